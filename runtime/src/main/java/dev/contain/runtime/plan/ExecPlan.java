package dev.contain.runtime.plan;

import dev.contain.runtime.kernel.ProcessStamp;
import java.util.List;

/**
 * A process to start in a running container ({@code contain exec}, {@code contain-oci exec}), resolved.
 *
 * @param target      the container's first process, whose namespaces it joins through a pidfd
 * @param namespaces  the namespaces to join (CLONE_NEW* flags)
 * @param confinement what it changes of the container's confinement ({@link Confinement#CONTAINERS}: nothing)
 * @param terminal    a pty made inside the container (relayed, or sent to a console socket), or null
 * @param stdin       the engine's stdin is the process's; else /dev/null
 * @param detach      contain exec -d: the process runs on after the engine returns, its monitor (the init's host
 *                    side) its parent; its output goes nowhere
 * @param release     OCI exec --detach: once it runs, the init leaves it, with the engine's stdio, to the caller's
 *                    subreaper
 * @param preserveFds OCI exec --preserve-fds: the engine's descriptors 3..3+N-1 (its caller's) passed on (0: none)
 */
public record ExecPlan(ProcessStamp target, long namespaces, List<String> argv, List<String> env, String cwd, long uid, long gid,
                       List<Long> groups, Confinement confinement, Terminal terminal, boolean stdin, boolean detach, boolean release,
                       int preserveFds) {
    public ExecPlan {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        groups = List.copyOf(groups);
    }

    /**
     * The container's confinement as an exec changes it: a null field keeps the container's (its capabilities,
     * no_new_privs, rlimits, oom_score_adj, umask; the seccomp filter and cgroups are always kept).
     *
     * @param addCaps a mask added to the bounding, effective and permitted sets, and to the ambient one where the
     *                inheritable set is not empty (runc's exec --cap)
     */
    public record Confinement(Security.Caps caps, long addCaps, Boolean noNewPrivs, List<Security.Rlimit> rlimits, Integer oomScoreAdj,
                              Integer umask) {
        public static final Confinement CONTAINERS = new Confinement(null, 0, null, null, null, null);

        public Confinement {
            rlimits = rlimits == null ? null : List.copyOf(rlimits);
        }
    }
}
