package dev.contain.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.contain.runtime.security.CapabilitySets;
import dev.contain.runtime.security.SeccompFilter;
import dev.contain.runtime.security.SecurityPlan;
import dev.contain.spec.Rlimit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The policy as the init receives it: the plan entries a default and a privileged container get. */
class SecurityHookTest {
    @Test
    void aDefaultContainersEntries() {
        byte[] bpf = new byte[16];
        new Random(7).nextBytes(bpf);
        SecurityPlan policy = new SecurityPlan(false, new CapabilitySets(0xa80425fbL, 0xa80425fbL, 0xa80425fbL, 0, 0), true,
                new SeccompFilter("default", 0, bpf, 2, List.of("SCMP_ARCH_X86_64"), null, null, false),
                List.of(new Rlimit.Value(Rlimit.NOFILE, 1024, Rlimit.Value.UNLIMITED)), List.of("/proc/kcore"), List.of("/proc/sys"));
        Security s = SecurityHook.toInit(policy);
        assertEquals(new Security.Caps(0xa80425fbL, 0xa80425fbL, 0xa80425fbL, 0, 0), s.caps());
        assertEquals(true, s.noNewPrivs());
        assertEquals(List.of(new Security.Rlimit(7, 1024, Security.Rlimit.UNLIMITED)), s.rlimits());
        assertEquals(List.of("/proc/kcore"), s.masked());
        assertEquals(List.of("/proc/sys"), s.readonly());
        assertArrayEquals(bpf, s.seccomp().program());
        assertEquals("default", s.seccomp().source());
        assertEquals(2, s.seccomp().rules());
    }

    @Test
    void aPrivilegedContainerGetsNoCapsEntryNoFilterAndNoNoNewPrivs() {
        Security s = SecurityHook.toInit(new SecurityPlan(true, null, false, null, List.of(), List.of(), List.of()));
        assertNull(s.caps());
        assertNull(s.seccomp());
        assertEquals(false, s.noNewPrivs());
        assertEquals(List.of(), s.masked());
    }
}
