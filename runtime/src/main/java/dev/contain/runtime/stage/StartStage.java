package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.runtime.init.InitCommand;
import dev.contain.runtime.init.InitReply;
import java.io.IOException;

/**
 * Sends "go": the init mounts the rootfs, pivots into it and execs the command. A failure inside comes
 * back with its errno, so the user reads {@code exec "pyhton3": No such file or directory}, exit 127.
 */
public final class StartStage implements Stage {
    private static final int ENOENT = 2;
    private static final int EACCES = 13;

    @Override
    public String name() {
        return "start";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        run.init().send(new InitCommand.Go());
        run.whileStarting().run(); // the init mounts, pivots and execs meanwhile (~2 ms)
        InitReply reply = run.init().read();
        while (reply instanceof InitReply.Sync) { // the process waits before pivot_root: the engine's hooks run (OCI createRuntime)
            run.hooks().atSync().run(run.containerPid());
            run.init().send(new InitCommand.Resume());
            reply = run.init().read();
        }
        if (run.execFifo() == null ? reply instanceof InitReply.Started : reply instanceof InitReply.Created) {
            TestHooks.point("start:started");
            return;
        }
        if (reply instanceof InitReply.Closed) {
            throw run.error(name(), "the native init exited before the command started");
        }
        InitReply.Failure failure = InitReply.Failure.of(reply);
        if (!failure.kind().equals("exec")) {
            String why = failure.errno() == EACCES ? Reachability.hint(run.plan(), run.ids()) : "";
            throw run.error(failure.stage("rootfs"), failure.message() + why);
        }
        // the command itself: no stage, docker's codes (127 not found, 126 cannot run)
        int code = failure.errno() == ENOENT ? ContainerError.NOT_FOUND : ContainerError.CANNOT_INVOKE;
        throw new ContainerError(run.plan().name(), null, failure.message(), code, null);
    }
}
