package dev.contain.runtime.plan;

import java.util.List;
import java.util.Map;

/**
 * What an exec runs, over the container's own process (the plan its first process was given): a null field
 * is the container's. Made by {@code contain exec} (names resolved, env merged) and by {@code contain-oci exec}
 * (runc's flags, or an OCI process file).
 *
 * @param env        the whole environment; null: the container's
 * @param setEnv     then set or replaced, in order
 * @param uid        null: the container's
 * @param gid        null: the container's
 * @param groups     the supplementary groups; null: the container's
 * @param addGroups  added to those
 * @param caps       the capability sets; null: the container's
 * @param addCaps    a mask added to the bounding, effective and permitted sets, and to the ambient one where the
 *                   inheritable set is not empty (runc's exec --cap)
 * @param noNewPrivs null: the container's
 * @param rlimits    null: the container's
 * @param oomScoreAdj null: the container's
 * @param umask      null: the container's
 * @param terminal   null: none (the engine's stdio)
 * @param release    OCI exec --detach: once it started, the init leaves it to the caller's subreaper
 */
public record ExecProcess(List<String> argv, List<String> env, Map<String, String> setEnv, String cwd, Long uid, Long gid,
        List<Long> groups, List<Long> addGroups, Security.Caps caps, long addCaps, Boolean noNewPrivs, List<Security.Rlimit> rlimits,
        Integer oomScoreAdj, Integer umask, Terminal terminal, boolean release) {
    public ExecProcess {
        argv = List.copyOf(argv);
        env = env == null ? null : List.copyOf(env);
        setEnv = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(setEnv));
        groups = groups == null ? null : List.copyOf(groups);
        addGroups = List.copyOf(addGroups);
        rlimits = rlimits == null ? null : List.copyOf(rlimits);
    }
}
