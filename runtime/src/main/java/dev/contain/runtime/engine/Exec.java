package dev.contain.runtime.engine;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.Signals;
import dev.contain.runtime.init.InitCodec;
import dev.contain.runtime.init.InitCommand;
import dev.contain.runtime.init.InitMessage;
import dev.contain.runtime.init.InitProcess;
import dev.contain.runtime.init.InitReply;
import dev.contain.runtime.kernel.EmbeddedBinary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One {@code contain exec} in progress: the native init in its join mode (runtime/src/main/c/init/join.c)
 * starts the process inside the running container and reports as for a run: "pid N", then after "go"
 * "started" or the exec's failure, then "exit code N" or "exit signal N". The engine's stdin and stdout
 * are the process's (or, with -t, relayed through a pty made inside the container). Signals the engine gets
 * go to the process; if the engine dies, its pipe closes and the init kills the process.
 */
public final class Exec implements Running {
    private static final int ENOENT = 2, ESRCH = 3;

    private final String container;
    private volatile InitProcess init;

    Exec(String container) {
        this.container = container;
    }

    /** Forwards a signal the engine received (Ctrl-C, SIGTERM...) to the exec'd process. */
    @Override
    public void signal(int signal) {
        InitProcess current = init;
        if (current != null) {
            try {
                current.send(new InitCommand.Signal(signal));
            } catch (IOException e) {
                // the init is gone; the exec is ending anyway
            }
        }
    }

    /**
     * Runs the process. {@code detach} (contain exec -d): returns once it has started, its monitor (the init's host
     * side) stays. {@code terminal}: -t's guard of the user's terminal, or null. {@code released} (OCI exec
     * --detach, the plan's {@link InitMessage.Release}): once the process runs it receives its pid, then the init
     * leaves the process to the caller's subreaper and exits; if it throws, the process is killed (the init sees
     * its pipe close before the release). Both return exit code 0.
     */
    RunResult run(Path dataRoot, List<InitMessage> plan, boolean detach, TerminalGuard terminal, java.util.function.LongConsumer released)
            throws ContainerError {
        try (InitProcess started = InitProcess.start(EmbeddedBinary.CONTAIN_INIT.ensure(dataRoot), dataRoot)) {
            init = started;
            started.sendPlan(InitCodec.encode(plan));
            InitReply reply = started.read();
            if (detach) { // the host side forked: its monitor holds the process from here
                expect(reply, InitReply.MonitorPid.class);
                reply = started.read();
            }
            long pid = ((InitReply.Pid) expect(reply, InitReply.Pid.class)).pid();
            if (terminal != null) {
                terminal.awaitSaved(); // before "go": the init makes it raw once the pty exists
            }
            started.send(new InitCommand.Go());
            expect(started.read(), InitReply.Started.class);
            if (detach) {
                started.handOver();
                return new RunResult(container, 0, null);
            }
            if (released != null) {
                released.accept(pid);
                try {
                    started.send(new InitCommand.Release());
                } catch (IOException e) {
                    // the init is gone already: nothing is left to release
                }
                while (!(started.read() instanceof InitReply.Closed)) { // the init exits at the release
                }
                return new RunResult(container, 0, null);
            }
            InitReply.Exit exit = started.awaitExit();
            if (exit != null && terminal != null) {
                terminal.restoredByInit();
            }
            if (exit == null) {
                java.util.OptionalInt status = started.exitValue();
                String how = status.isPresent() && status.getAsInt() > 128
                        ? " was killed by signal " + (status.getAsInt() - 128) + " (" + Signals.name(status.getAsInt() - 128) + ")"
                        : " ended";
                throw new ContainerError(container, "exec", "the native init (pid " + started.pid() + ")" + how
                        + " without reporting the process's exit; the process was killed with it");
            }
            return new RunResult(container, exit.code(), exit.signal());
        } catch (IOException e) {
            throw new ContainerError(container, "exec", "lost the native init: " + e.getMessage());
        } finally {
            if (terminal != null) {
                terminal.restore(); // an init killed while the terminal was raw cannot
            }
        }
    }

    /** The reply is of the kind expected, or the init's failure is thrown as the user should read it. */
    private InitReply expect(InitReply reply, Class<? extends InitReply> expected) throws ContainerError {
        if (expected.isInstance(reply)) {
            return reply;
        }
        if (reply instanceof InitReply.Closed) {
            throw new ContainerError(container, "exec", "the native init exited before the process started");
        }
        InitReply.Failure failure = InitReply.Failure.of(reply);
        if (failure.kind().equals("exec")) { // the command itself: docker's codes (127 not found, 126 cannot run)
            throw new ContainerError(container, null, failure.message(),
                    failure.errno() == ENOENT ? ContainerError.NOT_FOUND : ContainerError.CANNOT_INVOKE, null);
        }
        if (failure.errno() == ESRCH) {
            throw new ContainerError(container, "exec", "is not running (" + failure.message() + ")");
        }
        throw new ContainerError(container, failure.stage("exec"), failure.message());
    }
}
