package dev.contain.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.contain.spec.Capability;
import dev.contain.spec.Security;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docker's capability arithmetic, as masks the init applies. */
class CapabilitySetsTest {
    static final int LAST = 40;

    static CapabilitySets of(Set<Capability> add, Set<Capability> drop, boolean addAll, boolean dropAll, boolean root)
            throws Exception {
        return CapabilitySets.of(new Security.Capabilities(add, drop, addAll, dropAll), root, LAST);
    }

    @Test
    void theDefaultIsDockers14InBoundingPermittedAndEffective() throws Exception {
        CapabilitySets s = of(Set.of(), Set.of(), false, false, true);
        assertEquals(0xa80425fbL, s.bounding(), "CapBnd docker shows");
        assertEquals(s.bounding(), s.effective());
        assertEquals(s.bounding(), s.permitted());
        assertEquals(0, s.inheritable());
        assertEquals(0, s.ambient());
        assertEquals("00000000a80425fb", CapabilitySets.hex(s.bounding()));
        assertEquals(List.of("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
                "NET_BIND_SERVICE", "NET_RAW", "SYS_CHROOT", "MKNOD", "AUDIT_WRITE", "SETFCAP"), CapabilitySets.names(s.bounding()));
    }

    @Test
    void aNonRootUserHasNothingEffectiveOrPermittedButTheSameBoundingSet() throws Exception {
        CapabilitySets s = of(Set.of(), Set.of(), false, false, false);
        assertEquals(0xa80425fbL, s.bounding());
        assertEquals(0, s.effective());
        assertEquals(0, s.permitted());
    }

    @Test
    void addAndDropChangeTheDefault() throws Exception {
        CapabilitySets s = of(Set.of(Capability.SYS_ADMIN), Set.of(Capability.NET_RAW, Capability.MKNOD), false, false, true);
        assertEquals((0xa80425fbL | 1L << 21) & ~(1L << 13) & ~(1L << 27), s.bounding());
        assertEquals(1L << 10, of(Set.of(Capability.NET_BIND_SERVICE), Set.of(), false, true, true).bounding(), "drop ALL, add one");
        assertEquals((1L << 41) - 1 - (1L << 21), of(Set.of(), Set.of(Capability.SYS_ADMIN), true, false, true).bounding(),
                "add ALL: every capability of this kernel but the dropped");
        assertEquals(0, of(Set.of(), Set.of(), false, true, true).bounding(), "drop ALL");
    }

    @Test
    void aCapabilityTheKernelLacksIsRefused() throws Exception {
        var e = assertThrows(CapabilitySets.UnknownToKernel.class, () -> CapabilitySets.of(
                new Security.Capabilities(Set.of(Capability.CHECKPOINT_RESTORE), Set.of(), false, false), true, 39));
        assertEquals("capability CHECKPOINT_RESTORE is not known to this kernel (its last is BPF)", e.getMessage());
        assertEquals((1L << 40) - 1, CapabilitySets.of(new Security.Capabilities(Set.of(), Set.of(), true, false), true, 39)
                .bounding(), "ALL is what this kernel has");
    }
}
