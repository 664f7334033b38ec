package dev.contain.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.kernel.SeccompRules;
import dev.contain.spec.Capability;
import dev.contain.spec.SeccompProfile;
import dev.contain.spec.SeccompProfileParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docker's default profile applied as docker applies it, one row of its policy per test. */
class SeccompPolicyTest {
    static final Platform X86_64 = new Platform("amd64", "SCMP_ARCH_X86_64", "6.18.44", 40);
    static final SeccompProfile DEFAULT = SecurityPlanner.defaultProfile(ProfileDigests.SECCOMP_DEFAULT);
    static final long DOCKER = CapabilitySets.mask(CapabilitySets.DOCKER_DEFAULT);

    static SeccompPolicy.Selection select(Capability... extra) {
        Set<Capability> caps = EnumSet.copyOf(CapabilitySets.DOCKER_DEFAULT);
        caps.addAll(List.of(extra));
        return SeccompPolicy.select(DEFAULT, X86_64, CapabilitySets.mask(caps));
    }

    static List<SeccompRules.Rule> rules(SeccompPolicy.Selection s, String syscall) {
        return s.rules().rules().stream().filter(r -> r.syscall().equals(syscall)).toList();
    }

    static boolean allowedOutright(SeccompPolicy.Selection s, String syscall) {
        return rules(s, syscall).stream().anyMatch(r -> r.action() == SeccompRules.ACT_ALLOW && r.args().isEmpty());
    }

    @Test
    void theBuiltInProfileIsTheOneItsDigestNames() throws Exception {
        try (InputStream in = SecurityPlanner.class.getResourceAsStream(SecurityPlanner.DEFAULT_PROFILE)) {
            byte[] bytes = in.readAllBytes();
            assertEquals(ProfileDigests.SECCOMP_DEFAULT, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            assertEquals(List.of(), SeccompProfileParser.parse(new String(bytes, StandardCharsets.UTF_8), "d.json").problems());
        }
    }

    @Test
    void defaultActionIsEpermOnTheNativeAndCompatArches() {
        SeccompPolicy.Selection s = select();
        assertEquals(SeccompRules.errno(1), s.rules().defaultAction());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), s.arches());
        assertEquals(List.of("x86", "x32"), s.rules().arches(), "x86_64 comes with seccomp_init");
        assertEquals(0, s.flags());
    }

    @Test
    void ordinarySyscallsAreAllowed() {
        SeccompPolicy.Selection s = select();
        for (String name : List.of("read", "write", "openat", "execve", "mkdir", "chown", "setuid", "capset", "arch_prctl")) {
            assertTrue(allowedOutright(s, name), name);
        }
    }

    @Test
    void mountNamespacesKeysAndModulesAreNotAllowedByDefault() {
        SeccompPolicy.Selection s = select();
        for (String name : List.of("mount", "umount2", "unshare", "setns", "open_tree", "move_mount", "fsopen", "keyctl",
                "add_key", "request_key", "init_module", "reboot", "bpf", "perf_event_open", "kcmp")) {
            assertEquals(List.of(), rules(s, name), name);
        }
    }

    @Test
    void cloneIsAllowedOnlyWithoutNamespaceFlagsAndClone3SaysEnosys() {
        SeccompPolicy.Selection s = select();
        assertEquals(List.of(new SeccompRules.Rule("clone", SeccompRules.ACT_ALLOW,
                List.of(new SeccompRules.Cmp(0, 7, 0x7E020000L, 0)))), rules(s, "clone"), "MASKED_EQ: (flags & CLONE_NEW*) == 0");
        assertEquals(List.of(new SeccompRules.Rule("clone3", SeccompRules.errno(38), List.of())), rules(s, "clone3"),
                "ENOSYS, so libc falls back to clone, whose flags the filter can see");
    }

    @Test
    void socketAndPersonalityHaveDockersArgumentRules() {
        SeccompPolicy.Selection s = select();
        assertEquals(List.of(new SeccompRules.Cmp(0, 2, 38, 0), new SeccompRules.Cmp(0, 4, 39, 0), new SeccompRules.Cmp(0, 6, 40, 0)),
                rules(s, "socket").stream().map(r -> r.args().get(0)).toList(), "AF_ALG (38) and AF_VSOCK (40) refused");
        assertEquals(List.of(0L, 8L, 131072L, 131080L, 4294967295L),
                rules(s, "personality").stream().map(r -> r.args().get(0).a()).toList());
    }

    @Test
    void sysAdminOpensMountUnshareSetnsAndPlainClone() {
        SeccompPolicy.Selection s = select(Capability.SYS_ADMIN);
        for (String name : List.of("mount", "umount2", "unshare", "setns", "clone", "clone3", "fsopen", "move_mount", "sethostname")) {
            assertTrue(allowedOutright(s, name), name);
        }
        assertFalse(rules(s, "clone").stream().anyMatch(r -> !r.args().isEmpty()), "the masked clone rule is for those without SYS_ADMIN");
        assertFalse(rules(s, "clone3").stream().anyMatch(r -> r.action() != SeccompRules.ACT_ALLOW));
    }

    @Test
    void eachCapabilityOpensItsGroup() {
        assertTrue(allowedOutright(select(Capability.SYS_PTRACE), "kcmp"));
        assertTrue(allowedOutright(select(Capability.SYS_PTRACE), "pidfd_getfd"));
        assertTrue(allowedOutright(select(Capability.SYS_MODULE), "init_module"));
        assertTrue(allowedOutright(select(Capability.SYS_BOOT), "reboot"));
        assertTrue(allowedOutright(select(Capability.SYS_TIME), "settimeofday"));
        assertTrue(allowedOutright(select(Capability.SYS_RAWIO), "iopl"));
        assertTrue(allowedOutright(select(Capability.SYSLOG), "syslog"));
        assertTrue(allowedOutright(select(Capability.DAC_READ_SEARCH), "open_by_handle_at"));
        assertTrue(allowedOutright(select(Capability.BPF), "bpf"));
        assertTrue(allowedOutright(select(Capability.PERFMON), "perf_event_open"));
        assertTrue(allowedOutright(select(Capability.SYS_NICE), "mbind"));
        assertTrue(allowedOutright(select(Capability.SYS_PACCT), "acct"));
        assertTrue(allowedOutright(select(Capability.SYS_TTY_CONFIG), "vhangup"));
    }

    @Test
    void chrootFollowsSysChrootWhichTheDefaultHas() {
        SeccompPolicy.Selection without = SeccompPolicy.select(DEFAULT, X86_64, DOCKER & ~(1L << Capability.SYS_CHROOT.bit()));
        assertEquals(List.of(), rules(without, "chroot"));
        assertTrue(allowedOutright(SeccompPolicy.select(DEFAULT, X86_64, DOCKER), "chroot"));
    }

    @Test
    void ptraceNeedsKernel48OrSysPtrace() {
        assertTrue(allowedOutright(select(), "ptrace"), "allowed on 4.8+, where seccomp can no longer be bypassed by it");
        Platform old = new Platform("amd64", "SCMP_ARCH_X86_64", "4.4.0", 40);
        assertEquals(List.of(), rules(SeccompPolicy.select(DEFAULT, old, DOCKER), "ptrace"));
        assertTrue(allowedOutright(SeccompPolicy.select(DEFAULT, old, DOCKER | 1L << Capability.SYS_PTRACE.bit()), "ptrace"));
    }

    @Test
    void otherArchitecturesRulesStayOut() {
        SeccompPolicy.Selection s = select();
        for (String name : List.of("s390_pci_mmio_read", "riscv_flush_icache", "breakpoint", "swapcontext")) {
            assertEquals(List.of(), rules(s, name), name);
        }
        assertTrue(allowedOutright(s, "modify_ldt"));
        Platform arm = new Platform("arm64", "SCMP_ARCH_AARCH64", "6.1", 40);
        SeccompPolicy.Selection a = SeccompPolicy.select(DEFAULT, arm, DOCKER);
        assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"), a.arches());
        assertEquals(List.of(), rules(a, "arch_prctl"));
        assertTrue(allowedOutright(a, "breakpoint"));
    }

    @Test
    void kernelVersionsCompareByMajorThenMinor() {
        assertTrue(X86_64.kernelAtLeast("4.8"));
        assertTrue(new Platform("", "", "4.8.0-1-amd64", 40).kernelAtLeast("4.8"));
        assertFalse(new Platform("", "", "4.7.10", 40).kernelAtLeast("4.8"));
        assertFalse(new Platform("", "", "3.19", 40).kernelAtLeast("4.8"));
        assertTrue(new Platform("", "", "5.0", 40).kernelAtLeast("4.18"));
    }

    @Test
    void aRuleThatDoesWhatTheDefaultDoesIsLeftOut() {
        SeccompProfile p = SeccompProfileParser.parse("""
                {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                 "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
                              {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
                              {"names": ["rmdir"], "action": "SCMP_ACT_KILL_PROCESS", "excludes": {"arches": ["amd64"]}}]}
                """, "p.json").profile();
        SeccompPolicy.Selection s = SeccompPolicy.select(p, X86_64, DOCKER);
        assertEquals(List.of(new SeccompRules.Rule("mkdir", SeccompRules.errno(1), List.of()),
                new SeccompRules.Rule("mkdirat", SeccompRules.errno(1), List.of())), s.rules().rules());
        assertEquals(SeccompPolicy.FLAG_LOG, s.flags());
        assertEquals(List.of("SCMP_ARCH_X86_64"), s.arches(), "no archMap and no architectures: the native one only");
    }
}
