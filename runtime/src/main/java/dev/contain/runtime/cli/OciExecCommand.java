package dev.contain.runtime.cli;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.engine.RunResult;
import dev.contain.runtime.oci.OciExec;
import dev.contain.runtime.oci.OciRuntime;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code contain-oci exec [--process FILE | ID ARGS...]}: runc's exec flags to an {@link OciExec}. Without
 * --detach it exits with the process's code (128+N when signal N ended it), signals it gets forwarded; with
 * --detach it exits 0 once the process runs. SELinux and AppArmor labels are refused: this runtime sets neither.
 */
final class OciExecCommand {
    private OciExecCommand() {}

    static int exec(OciRuntime runtime, OciCommand.Args a) throws ContainerError {
        if (a.operands().isEmpty()) {
            throw new ContainerError(null, "exec", "needs a container id");
        }
        String id = a.operands().get(0);
        for (String label : List.of("process-label", "apparmor")) {
            if (a.option(label) != null) {
                throw new ContainerError(id, "exec", "--" + label + ": " + (label.equals("apparmor") ? "AppArmor" : "SELinux")
                        + " labels are not supported by contain-oci");
            }
        }
        if (a.option("cgroup") != null) {
            throw new ContainerError(id, "exec", "--cgroup: a sub-cgroup for the process is not supported");
        }
        String process = a.option("process") != null ? a.option("process") : a.option("p");
        OciExec exec = new OciExec(process == null ? null : Path.of(process), a.operands().subList(1, a.operands().size()), a.option("cwd"),
                a.all("env", "e"), a.option("user") != null ? a.option("user") : a.option("u"), a.all("additional-gids", "g"),
                a.all("cap", "c"), a.flags().contains("no-new-privs"), a.flags().contains("tty") || a.flags().contains("t"),
                a.flags().contains("detach") || a.flags().contains("d"), path(a.option("console-socket")), path(a.option("pid-file")),
                OciCommand.count(id, "exec", "--preserve-fds", a.option("preserve-fds")));
        RunResult r = runtime.exec(id, exec, running -> CliCommand.forwardSignals(running, false)); // a pty here is the caller's (console socket)
        return r.engineExitCode();
    }

    private static Path path(String p) {
        return p == null ? null : Path.of(p);
    }
}
