package dev.contain.runtime.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.SeccompCompiler;
import dev.contain.runtime.kernel.SeccompRules;
import dev.contain.spec.Capability;
import dev.contain.spec.Rlimit;
import dev.contain.spec.SeccompProfileParser;
import dev.contain.spec.Security;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy for one container, with a recording compiler: what is decided, and when libseccomp is needed. */
class SecurityPlannerTest {
    @TempDir
    Path root;
    final List<SeccompRules> compiled = new ArrayList<>();
    final SeccompCompiler fake = rules -> {
        compiled.add(rules);
        return new SeccompCompiler.Compiled(new byte[8 * (rules.rules().size() + 1)], List.of("uretprobe"));
    };

    SecurityPlanner planner(Optional<String> lib) {
        return new SecurityPlanner(root, SeccompCacheTest.P, () -> fake, () -> lib);
    }

    SecurityPlanner planner() {
        return planner(Optional.of(SeccompCacheTest.LIB));
    }

    @Test
    void theDefaultsAreDockers() throws Exception {
        SecurityPlan p = planner().plan("web", Security.DEFAULT, 0);
        assertFalse(p.privileged());
        assertEquals(0xa80425fbL, p.capabilities().effective());
        assertTrue(p.noNewPrivileges());
        assertEquals("default", p.seccomp().source());
        assertTrue(p.masked().containsAll(List.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware",
                "/proc/acpi", "/proc/asound", "/proc/latency_stats", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                "/sys/devices/virtual/powercap", "/proc/interrupts")));
        assertEquals(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"), p.readonly());
        assertEquals(List.of(), p.rlimits());
    }

    @Test
    void aFilterIsCompiledOnceAndThenLoadedFromTheCache() throws Exception {
        SecurityPlan first = planner().plan("web", Security.DEFAULT, 0);
        assertEquals(1, compiled.size());
        assertFalse(first.seccomp().fromCache());
        assertEquals(compiled.get(0).rules().size() - 1, first.seccomp().rules(), "names libseccomp does not know are not rules");
        SecurityPlan dry = planner().plan("web", Security.DEFAULT, 0);
        assertEquals(2, compiled.size(), "nothing was stored: a dry run compiles again");
        dry.seccomp().storeIfNew(root);
        SecurityPlan second = planner().plan("other", Security.DEFAULT, 1000);
        assertEquals(2, compiled.size(), "the same filter for another container and user: no libseccomp");
        assertTrue(second.seccomp().fromCache());
        assertArrayEquals(first.seccomp().bpf(), second.seccomp().bpf());
        assertEquals(first.seccomp().rules(), second.seccomp().rules());
        assertEquals(first.seccomp().arches(), second.seccomp().arches());
        Security admin = new Security(new Security.Capabilities(Set.of(Capability.SYS_ADMIN), Set.of(), false, false),
                true, new Security.Seccomp.Default(), List.of(), false);
        SecurityPlan withAdmin = planner().plan("web", admin, 0);
        assertEquals(3, compiled.size(), "another capability set is another filter");
        assertNotEquals(first.seccomp().cacheKey(), withAdmin.seccomp().cacheKey());
    }

    @Test
    void withoutAKnownLibseccompTheFilterIsCompiledEachTimeAndNeverCached() throws Exception {
        SecurityPlan p = planner(Optional.empty()).plan("web", Security.DEFAULT, 0);
        assertNull(p.seccomp().cacheFile());
        p.seccomp().storeIfNew(root);
        planner(Optional.empty()).plan("web", Security.DEFAULT, 0);
        assertEquals(2, compiled.size());
    }

    @Test
    void privilegedTurnsEverythingOffButRlimits() throws Exception {
        List<Rlimit.Value> core = List.of(new Rlimit.Value(Rlimit.CORE, 0, 0));
        SecurityPlan p = planner().plan("web", new Security(Security.Capabilities.NONE, false,
                new Security.Seccomp.Unconfined(), core, true), 0);
        assertTrue(p.privileged());
        assertNull(p.capabilities());
        assertNull(p.seccomp());
        assertFalse(p.noNewPrivileges());
        assertEquals(List.of(), p.masked());
        assertEquals(List.of(), p.readonly());
        assertEquals(core, p.rlimits());
        assertEquals(0, compiled.size());
    }

    @Test
    void unconfinedKeepsTheCapabilityDefaults() throws Exception {
        SecurityPlan p = planner().plan("web", new Security(Security.Capabilities.NONE, true,
                new Security.Seccomp.Unconfined(), List.of(), false), 0);
        assertNull(p.seccomp());
        assertEquals(0xa80425fbL, p.capabilities().bounding());
        assertFalse(p.masked().isEmpty());
    }

    @Test
    void aProfileFileIsCompiledFromWhatTheSpecRead() throws Exception {
        var profile = SeccompProfileParser.parse("""
                {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
                """, "deny-mkdir.json").profile();
        Security s = new Security(Security.Capabilities.NONE, true,
                new Security.Seccomp.Profile(Path.of("/specs/deny-mkdir.json"), "c".repeat(64), profile), List.of(), false);
        SecurityPlan p = planner().plan("web", s, 0);
        assertEquals("/specs/deny-mkdir.json", p.seccomp().source());
        assertEquals(SeccompPolicy.FLAG_SPEC_ALLOW, p.seccomp().flags());
        assertEquals(List.of("mkdir", "mkdirat"), compiled.get(0).rules().stream().map(SeccompRules.Rule::syscall).toList());
        p.seccomp().storeIfNew(root);
        assertEquals(SeccompPolicy.FLAG_SPEC_ALLOW, planner().plan("web", s, 0).seccomp().flags(), "flags of a cached filter too");
    }

    @Test
    void aCompileFailureNamesTheContainerAndTheStage() {
        SecurityPlanner broken = new SecurityPlanner(root, SeccompCacheTest.P, () -> rules -> {
            throw new IOException("cannot load libseccomp.so.2 (install libseccomp2)");
        }, () -> Optional.of(SeccompCacheTest.LIB));
        ContainerError e = assertThrows(ContainerError.class, () -> broken.plan("web", Security.DEFAULT, 0));
        assertEquals("web: security: cannot compile the seccomp filter (default): cannot load libseccomp.so.2 (install libseccomp2)",
                e.userMessage());
    }
}
