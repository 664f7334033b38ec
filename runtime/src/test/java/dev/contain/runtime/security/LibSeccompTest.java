package dev.contain.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.kernel.LibSeccomp;
import dev.contain.runtime.kernel.SeccompCompiler;
import dev.contain.runtime.kernel.SeccompRules;
import dev.contain.spec.Capability;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real libseccomp (userspace only: nothing is loaded into any process here). The program's behaviour in a
 * container is checked by the integration tests; here, its shape and libseccomp's own reading of it (PFC).
 */
class LibSeccompTest {
    @TempDir
    static Path root;

    static SeccompPolicy.Selection docker(Capability... extra) {
        return SeccompPolicyTest.select(extra);
    }

    @Test
    void theDefaultFilterIsAWellFormedProgramThatChecksTheArchitectureFirst() throws Exception {
        SeccompCompiler.Compiled c = new LibSeccomp(root).compile(docker().rules());
        byte[] bpf = c.bpf();
        assertEquals(0, bpf.length % 8);
        assertTrue(bpf.length / 8 > 100 && bpf.length / 8 <= 4096, bpf.length / 8 + " instructions");
        ByteBuffer b = ByteBuffer.wrap(bpf).order(ByteOrder.nativeOrder());
        assertEquals(0x20, b.getShort(0), "BPF_LD|BPF_W|BPF_ABS");
        assertEquals(4, b.getInt(4), "of seccomp_data.arch");
        ByteBuffer last = b.position(bpf.length - 8).slice().order(ByteOrder.nativeOrder());
        assertEquals(0x06, last.getShort(0), "ends with BPF_RET");
        assertTrue(c.unknownSyscalls().size() < 20, "names newer than libseccomp are few: " + c.unknownSyscalls());
    }

    @Test
    void libseccompSeesDockersPolicy() throws Exception {
        LibSeccomp lib = new LibSeccomp(root);
        String pfc = lib.pfc(docker().rules());
        assertTrue(pfc.contains("# filter for arch x86_64"));
        assertTrue(pfc.contains("# filter for arch x86 "));
        assertTrue(pfc.contains("# filter for arch x32"));
        assertTrue(pfc.contains("# filter for syscall \"mkdir\""));
        assertFalse(pfc.contains("# filter for syscall \"mount\""));
        assertFalse(pfc.contains("# filter for syscall \"unshare\""));
        assertFalse(pfc.contains("# filter for syscall \"keyctl\""));
        assertTrue(pfc.contains("action ERRNO(1);"), "the default: EPERM");
        assertTrue(pfc.contains("action ERRNO(38);"), "clone3: ENOSYS");
        String admin = lib.pfc(docker(Capability.SYS_ADMIN).rules());
        assertTrue(admin.contains("# filter for syscall \"mount\""));
        assertTrue(admin.contains("# filter for syscall \"unshare\""));
        assertTrue(lib.version().matches("2\\.[0-9]+\\.[0-9]+"), lib.version());
        assertTrue(dev.contain.runtime.kernel.LibSeccompFile.identity().orElseThrow().startsWith("libseccomp.so." + lib.version() + " "));
    }

    @Test
    void namesLibseccompDoesNotKnowAreLeftOutAndReported() throws Exception {
        SeccompRules rules = new SeccompRules(SeccompRules.ACT_ALLOW, List.of(), List.of(
                new SeccompRules.Rule("mkdir", SeccompRules.errno(1), List.of()),
                new SeccompRules.Rule("no_such_syscall_at_all", SeccompRules.errno(1), List.of())));
        SeccompCompiler.Compiled c = new LibSeccomp(root).compile(rules);
        assertEquals(List.of("no_such_syscall_at_all"), c.unknownSyscalls());
        assertTrue(c.bpf().length > 0);
    }
}
