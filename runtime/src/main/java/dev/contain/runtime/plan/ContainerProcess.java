package dev.contain.runtime.plan;

import java.util.List;

/**
 * A running container's first process as its plan gave it, what an exec into it starts from.
 *
 * @param namespaces the namespaces it is in that the container made or joined (CLONE_NEW* flags)
 */
public record ContainerProcess(long namespaces, List<String> env, String cwd, long uid, long gid, List<Long> groups) {
    public ContainerProcess {
        env = List.copyOf(env);
        groups = List.copyOf(groups);
    }
}
