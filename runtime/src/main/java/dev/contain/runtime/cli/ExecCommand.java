package dev.contain.runtime.cli;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.ExecOptions;
import java.util.List;
import java.util.Map;

/** {@code contain exec}: a command in a running container, through the engine's API. */
final class ExecCommand extends CliCommand {
    @Override
    Model define() {
        return Model.command(this, "exec", "Run a command in a running container: in all of its namespaces and cgroups, with its "
                        + "capabilities, no_new_privs, seccomp filter and rlimits; its env, workdir and user unless given.")
                .positionals(String.class, "NAME [--] COMMAND [ARG...]", "1..*", "The container, then the command and its arguments.")
                .mapOption("NAME=VALUE", "Set an environment variable (repeatable).", "-e", "--env")
                .option("DIR", "Working directory inside the container (absolute).", "-w", "--workdir")
                .option("USER[:GROUP]", "User (and group), names or ids from the container's /etc/passwd and /etc/group.", "-u", "--user")
                .flag("Keep stdin attached: the engine's stdin is the process's (without it: /dev/null, as docker's).", "-i", "--interactive")
                .flag("Detached: return once the process has started (exit 0); it runs on in the container, its output discarded.", "-d", "--detach")
                .flag("A terminal: a pty made inside the container, the engine's terminal relayed to it in raw mode.", "-t", "--tty")
                .exitCodes("N:the command's own exit code", "125:the engine failed (no such container, not running, bad option)",
                        "126:the command cannot be invoked", "127:the command was not found", "128+N:the command died of signal N")
                .examples("Examples:", "contain exec web -- cat /etc/hostname", "contain exec -it web -- sh",
                        "contain exec -d web -- sleep 60                 # runs on in the container",
                        "contain exec -u nobody -w /tmp -e DEBUG=1 web -- id")
                .stopAtPositional(); // the command's own options are its own: exec web ls -la
    }

    @Override
    public Integer call() throws ContainerError {
        List<String> words = positionals();
        String name = words.get(0);
        List<String> command = words.subList(1, words.size());
        if (!command.isEmpty() && command.get(0).equals("--")) {
            command = command.subList(1, command.size());
        }
        ExecOptions options = new ExecOptions(command, option("--env", Map.of()), option("--workdir"), option("--user"), flag("--tty"),
                flag("--interactive"), flag("--detach"));
        return engine().exec(name, options, running -> forwardSignals(running, options.tty())).engineExitCode();
    }
}
