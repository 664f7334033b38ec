package dev.contain.runtime.plan;

import dev.contain.runtime.kernel.ProcessStamp;
import java.util.List;

/**
 * A process to start in a running container ({@code contain exec}), resolved.
 *
 * @param target     the container's first process, whose namespaces it joins through a pidfd
 * @param namespaces the namespaces to join (CLONE_NEW* flags)
 * @param tty        a pty made inside the container, relayed to the engine's terminal
 * @param stdin      the engine's stdin is the process's; else /dev/null
 * @param detach     the process runs on after the engine returns (exec -d): its output goes nowhere
 */
public record ExecPlan(ProcessStamp target, long namespaces, List<String> argv, List<String> env, String cwd, long uid, long gid,
                       List<Long> groups, boolean tty, boolean stdin, boolean detach) {
    public ExecPlan {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        groups = List.copyOf(groups);
    }
}
