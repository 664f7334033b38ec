package dev.contain.runtime.engine;

import java.util.List;
import java.util.Map;

/**
 * {@code contain exec}'s choices; what is not given is the container's own (its command's env, workdir and user).
 *
 * @param env     set or replace these variables in the container's env (-e)
 * @param workdir the working directory inside the container (-w), or null
 * @param user    USER[:GROUP], names or ids from the container's /etc/passwd and /etc/group (-u), or null
 * @param tty     a terminal made inside the container, relayed to the engine's (-t)
 */
public record ExecOptions(List<String> command, Map<String, String> env, String workdir, String user, boolean tty) {
    public ExecOptions {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }
}
