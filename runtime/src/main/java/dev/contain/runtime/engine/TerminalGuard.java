package dev.contain.runtime.engine;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.TerminalSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * -t: the user's terminal (the engine's stdin) as it was before the init made it raw, set again when the run
 * or exec ends, whatever happened: the init restores it itself, but an init that was SIGKILLed cannot. Saved on
 * a thread of its own (another init's start, ~2 ms), which {@link #awaitSaved} joins before "go".
 */
final class TerminalGuard {
    private final Kernel kernel;
    private final Path dataRoot;
    private final Thread saving;
    private volatile Optional<TerminalSettings> saved = Optional.empty();
    private boolean restored;

    private TerminalGuard(Kernel kernel, Path dataRoot) {
        this.kernel = kernel;
        this.dataRoot = dataRoot;
        saving = new Thread(() -> {
            try {
                saved = kernel.terminalSettings(dataRoot);
            } catch (IOException | RuntimeException e) {
                saved = Optional.empty(); // the init's own restore is all there is
            }
        }, "contain-terminal");
        saving.setDaemon(true);
    }

    static TerminalGuard start(Kernel kernel, Path dataRoot) {
        TerminalGuard guard = new TerminalGuard(kernel, dataRoot);
        guard.saving.start();
        return guard;
    }

    /** Before the init may touch the terminal. */
    void awaitSaved() {
        boolean interrupted = false;
        while (true) {
            try {
                saving.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The init reported how the command ended: it set the terminal back before saying so (tty_restore), so this
     * guard has nothing left to do (setting it again would start another init: ~2 ms at the end of every -it).
     */
    synchronized void restoredByInit() {
        restored = true;
    }

    /** Sets the saved settings again (once; nothing if the engine's stdin is no terminal). */
    synchronized void restore() {
        if (restored) {
            return;
        }
        restored = true;
        awaitSaved();
        saved.ifPresent(s -> {
            try {
                kernel.setTerminalSettings(dataRoot, s);
            } catch (IOException e) {
                // the terminal is gone (the user closed it): nothing to restore
            }
        });
    }
}
