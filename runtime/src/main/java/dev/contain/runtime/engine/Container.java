package dev.contain.runtime.engine;

import dev.contain.runtime.init.InitLaunch;
import dev.contain.runtime.stage.Run;

/**
 * A container this engine is making or running: the handle {@link Engine#create} gives before its first stage,
 * through which the caller forwards signals ({@link #signal}) and which {@link Engine#start} and
 * {@link Engine#await} take. Closing it tears down whatever is not handed over (to run -d's monitor, to an
 * OCI caller), so a failure between the steps leaves nothing.
 */
public final class Container implements Running, AutoCloseable {
    final Run run;
    final InitLaunch init;
    final Engine.Detach detach;
    final long createdMillis = System.currentTimeMillis();
    private boolean handedOver;
    private boolean closed;
    private final Engine engine;
    TerminalGuard terminal; // -t: the user's terminal, set again at the end whatever happened (or null)

    Container(Engine engine, Run run, InitLaunch init, Engine.Detach detach) {
        this.engine = engine;
        this.run = run;
        this.init = init;
        this.detach = detach;
    }

    public String name() {
        return run.plan().name();
    }

    /** The container's first process (host pid), once created; 0 before. */
    public long pid() {
        return run.containerPid();
    }

    /**
     * Ctrl-C, SIGTERM or SIGHUP reached the caller: once the container's process exists the signal goes to it
     * and the run ends when the command does (a second one kills it); before that, the run stops at the next stage.
     */
    @Override
    public void signal(int signal) {
        run.signal(signal);
    }

    /** What the engine made is someone else's now (run -d's monitor, an OCI caller): closing leaves it. */
    void handedOver() {
        handedOver = true;
    }

    boolean isHandedOver() {
        return handedOver;
    }

    /** -t: the user's terminal as it was before the init made it raw (at once, and again at close: idempotent). */
    void restoreTerminal() {
        if (terminal != null) {
            terminal.restore();
        }
    }

    /** The init reported the command's end, having set the user's terminal back itself (see TerminalGuard). */
    void terminalRestoredByInit() {
        if (terminal != null) {
            terminal.restoredByInit();
        }
    }

    /** Tears down what is not handed over (idempotent); sets the user's terminal back first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        restoreTerminal();
        try {
            if (!handedOver) {
                engine.teardown(run);
            }
        } finally {
            init.closeUnlessTaken();
        }
    }
}
