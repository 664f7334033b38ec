package dev.contain.runtime.base;

import java.util.List;
import java.util.Map;

/**
 * {@code contain exec}'s choices; what is not given is the container's own (its command's env, workdir and user).
 *
 * @param env         set or replace these variables in the container's env (-e)
 * @param workdir     the working directory inside the container (-w), or null
 * @param user        USER[:GROUP], names or ids from the container's /etc/passwd and /etc/group (-u), or null
 * @param tty         a terminal made inside the container, relayed to the engine's (-t)
 * @param interactive the engine's stdin is the process's (-i); else /dev/null, as docker's exec
 * @param detach      the process runs on in the container and exec returns once it has started (-d)
 */
public record ExecOptions(List<String> command, Map<String, String> env, String workdir, String user, boolean tty,
                          boolean interactive, boolean detach) {
    public ExecOptions {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }
}
