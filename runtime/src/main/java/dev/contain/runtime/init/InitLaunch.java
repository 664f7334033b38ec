package dev.contain.runtime.init;

import dev.contain.runtime.kernel.EmbeddedBinary;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The native init, started on a thread of its own as a run begins: checking the extracted binary and
 * starting it (~3 ms) overlap planning and the first stages instead of preceding the namespaces stage.
 * Until it reads a plan the init does nothing but wait on its stdin; a run that ends before needing it
 * closes that, and the init exits quietly.
 */
public final class InitLaunch {
    private final Thread thread;
    private InitProcess init; // written by the thread, read after join()
    private IOException failure;
    private boolean taken;

    private InitLaunch(Path dataRoot) {
        thread = new Thread(() -> {
            try {
                init = InitProcess.start(EmbeddedBinary.CONTAIN_INIT.ensure(dataRoot), dataRoot);
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new IOException("cannot start the native init: " + e, e);
            }
        }, "contain-init-launch");
        thread.setDaemon(true);
    }

    public static InitLaunch start(Path dataRoot) {
        InitLaunch launch = new InitLaunch(dataRoot);
        launch.thread.start();
        return launch;
    }

    /** The started init, for the stage that uses it; throws what starting it threw. */
    public synchronized InitProcess take() throws IOException {
        join();
        taken = true;
        if (failure != null) {
            throw failure;
        }
        return init;
    }

    /** Stops an init no stage took: the run ended before it was needed. */
    public synchronized void closeUnlessTaken() {
        if (!taken) {
            taken = true;
            join();
            if (init != null) {
                init.close();
            }
        }
    }

    private void join() {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the init must be accounted for either way
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
