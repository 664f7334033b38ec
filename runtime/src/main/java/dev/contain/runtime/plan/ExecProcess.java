package dev.contain.runtime.plan;

import java.util.List;
import java.util.Map;

/**
 * What {@code contain-oci exec} asks to run, over the container's own process (what its plan gave it): a null
 * field is the container's. {@link ExecPlanner} resolves it into an {@link ExecPlan}.
 *
 * @param env       the whole environment; null: the container's
 * @param setEnv    then set or replaced, in order
 * @param uid       null: the container's
 * @param gid       null: the container's
 * @param groups    the supplementary groups; null: the container's
 * @param addGroups added to those
 * @param preserveFds --preserve-fds: the caller's descriptors 3..3+N-1 passed on (0: none)
 */
public record ExecProcess(List<String> argv, List<String> env, Map<String, String> setEnv, String cwd, Long uid, Long gid,
        List<Long> groups, List<Long> addGroups, ExecPlan.Confinement confinement, Terminal terminal, boolean release,
        int preserveFds) {
    public ExecProcess {
        argv = List.copyOf(argv);
        env = env == null ? null : List.copyOf(env);
        setEnv = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(setEnv));
        groups = groups == null ? null : List.copyOf(groups);
        addGroups = List.copyOf(addGroups);
    }
}
