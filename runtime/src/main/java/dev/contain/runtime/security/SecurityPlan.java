package dev.contain.runtime.security;

import dev.contain.spec.Rlimit;
import java.util.List;

/**
 * What the init applies to the container's process and its /proc and /sys, decided by {@link SecurityPlanner}.
 *
 * @param capabilities null when privileged: the process keeps every capability of its user namespace
 * @param seccomp      null when unconfined or privileged
 * @param masked       paths inside the container hidden (an empty read-only tmpfs on a folder, /dev/null on a file)
 * @param readonly     paths inside the container made read-only
 */
public record SecurityPlan(boolean privileged, CapabilitySets capabilities, boolean noNewPrivileges,
                           SeccompFilter seccomp, List<Rlimit.Value> rlimits, List<String> masked, List<String> readonly) {
    public SecurityPlan {
        rlimits = List.copyOf(rlimits);
        masked = List.copyOf(masked);
        readonly = List.copyOf(readonly);
    }
}
