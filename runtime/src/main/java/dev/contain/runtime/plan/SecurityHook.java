package dev.contain.runtime.plan;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.security.Platform;
import dev.contain.runtime.security.SecurityPlan;
import dev.contain.runtime.security.SecurityPlanner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The planner's one call into the security policy (runtime/security), turned into the init's {@link Security}. */
final class SecurityHook {
    private SecurityHook() {}

    static Security plan(Path dataRoot, String container, dev.contain.spec.Security spec, long uid, boolean forRun)
            throws ContainerError {
        Platform platform;
        try {
            platform = Platform.current();
        } catch (IOException | RuntimeException e) {
            throw new ContainerError(container, "security", "cannot read the kernel's version and capabilities from /proc/sys/kernel: "
                    + e.getMessage());
        }
        SecurityPlan policy = new SecurityPlanner(dataRoot, platform).plan(container, spec, uid);
        if (forRun && policy.seccomp() != null) {
            try {
                policy.seccomp().storeIfNew(dataRoot);
            } catch (IOException e) {
                // only a cache: the next run compiles the filter again
            }
        }
        return toInit(policy);
    }

    static Security toInit(SecurityPlan policy) {
        List<Security.Rlimit> rlimits = new ArrayList<>();
        for (var r : policy.rlimits()) { // a loop, not a stream: no lambda to link in a cold run
            rlimits.add(new Security.Rlimit(r.resource().number(), r.soft(), r.hard()));
        }
        Security s = Security.NONE.withNoNewPrivs(policy.noNewPrivileges()).withMasked(policy.masked())
                .withReadonly(policy.readonly()).withRlimits(rlimits).withNewKeyring(true); // privileged too, as runc
        if (policy.capabilities() != null) {
            var c = policy.capabilities();
            s = s.withCaps(new Security.Caps(c.bounding(), c.effective(), c.permitted(), c.inheritable(), c.ambient()));
        }
        if (policy.seccomp() != null) {
            var f = policy.seccomp();
            s = s.withSeccomp(new Security.Seccomp(f.flags(), f.bpf(), f.source(), f.rules()));
        }
        return s;
    }
}
