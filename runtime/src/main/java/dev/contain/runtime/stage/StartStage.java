package dev.contain.runtime.stage;

import dev.contain.runtime.engine.ContainerError;
import java.io.IOException;

/**
 * Sends "go": the init mounts the rootfs, pivots into it and execs the command. A failure inside comes
 * back with its errno, so the user reads {@code exec "pyhton3": No such file or directory}, exit 127.
 */
public final class StartStage implements Stage {
    private static final int ENOENT = 2;

    @Override
    public String name() {
        return "start";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        run.init().send("go");
        String line = run.init().readLine();
        if ("started".equals(line)) {
            return;
        }
        if (line == null) {
            throw run.error(name(), "the native init exited before the command started");
        }
        // "error setup|exec|cgroup ERRNO MESSAGE"
        String[] f = line.split(" ", 4);
        String kind = f.length == 4 ? f[1] : "setup";
        boolean exec = kind.equals("exec");
        int errno = f.length == 4 ? Integer.parseInt(f[2]) : 0;
        String message = f.length == 4 ? f[3] : line;
        int code = !exec ? ContainerError.ENGINE : errno == ENOENT ? ContainerError.NOT_FOUND : ContainerError.CANNOT_INVOKE;
        throw new ContainerError(run.plan().name(), exec ? null : kind.equals("cgroup") ? "cgroup" : "rootfs", message, code, null);
    }
}
