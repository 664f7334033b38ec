package dev.contain.runtime.engine;

import dev.contain.runtime.init.InitProcess;
import dev.contain.runtime.kernel.EmbeddedBinary;
import dev.contain.runtime.kernel.ProcessStamp;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One {@code contain exec} in progress: the native init in its join mode (runtime/src/main/c/init/join.c)
 * starts the process inside the running container and reports as for a run: "pid N", then after "go"
 * "started" or the exec's failure, then "exit code N" or "exit signal N". The engine's stdin and stdout
 * are the process's (or, with -t, relayed through a pty made inside the container). Signals the engine gets
 * go to the process; if the engine dies, its pipe closes and the init kills the process.
 */
public final class Exec {
    private static final int ENOENT = 2, ESRCH = 3;

    private final String container;
    private volatile InitProcess init;

    Exec(String container) {
        this.container = container;
    }

    /** Forwards a signal the engine received (Ctrl-C, SIGTERM...) to the exec'd process. */
    public void signal(int signal) {
        InitProcess current = init;
        if (current != null) {
            try {
                current.send("signal " + signal);
            } catch (IOException e) {
                // the init is gone; the exec is ending anyway
            }
        }
    }

    RunResult run(Path dataRoot, byte[] plan, ProcessStamp pid1) throws ContainerError {
        return run(dataRoot, plan, pid1, null);
    }

    /**
     * {@code released}: the plan has a release entry (OCI exec --detach): once the process started, it receives
     * the process's pid, then the init leaves the process to the caller's subreaper and exits; the result is
     * then exit code 0.
     */
    RunResult run(Path dataRoot, byte[] plan, ProcessStamp pid1, java.util.function.LongConsumer released) throws ContainerError {
        try (InitProcess started = InitProcess.start(EmbeddedBinary.CONTAIN_INIT.ensure(dataRoot), dataRoot)) {
            init = started;
            started.sendPlan(plan);
            long pid = Long.parseLong(expect(started, "pid ", pid1).substring(4).trim());
            started.send("go");
            expect(started, "started", pid1);
            if (released != null) {
                released.accept(pid);
                try {
                    started.send("release");
                } catch (IOException e) {
                    // it ended already, and the init with it: a detached exec reports no exit
                }
                while (started.readLine() != null) { // the init exits at "release" (or after reporting the exit)
                }
                return new RunResult(container, 0, null);
            }
            String line;
            while ((line = started.readLine()) != null) {
                String[] f = line.split(" ");
                if (f.length == 3 && f[0].equals("exit")) {
                    int n = Integer.parseInt(f[2]);
                    return f[1].equals("code") ? new RunResult(container, n, null) : new RunResult(container, null, n);
                }
            }
            throw new ContainerError(container, "exec", "the native init ended without reporting the process's exit");
        } catch (IOException e) {
            throw new ContainerError(container, "exec", "lost the native init: " + e.getMessage());
        }
    }

    /** The next line starts with {@code prefix}, or the init's failure is thrown as the user should read it. */
    private String expect(InitProcess init, String prefix, ProcessStamp pid1) throws IOException, ContainerError {
        String line = init.readLine();
        if (line != null && line.startsWith(prefix)) {
            return line;
        }
        if (line == null) {
            throw new ContainerError(container, "exec", "the native init exited before the process started");
        }
        InitProcess.Failure failure = InitProcess.Failure.parse(line);
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
