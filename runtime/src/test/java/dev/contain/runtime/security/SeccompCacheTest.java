package dev.contain.runtime.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.kernel.SeccompRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compiled-filter cache: what its key depends on, and that only an intact program comes back. */
class SeccompCacheTest {
    static final Platform P = new Platform("amd64", "SCMP_ARCH_X86_64", "6.18.44", 40);
    static final String LIB = "libseccomp.so.2.5.4 129312 1716662212000";

    @Test
    void theKeyChangesWithEachInputAndOnlyThen() {
        String key = SeccompCache.key("a".repeat(64), P, 0xa80425fbL, LIB);
        assertEquals("a".repeat(64) + "-amd64-00000000a80425fb-6.18.44-libseccomp.so.2.5.4_129312_1716662212000-bt", key,
                "readable, and a safe file name");
        assertEquals(key, SeccompCache.key("a".repeat(64), P, 0xa80425fbL, LIB));
        assertNotEquals(key, SeccompCache.key("b".repeat(64), P, 0xa80425fbL, LIB), "another profile");
        assertNotEquals(key, SeccompCache.key("a".repeat(64), P, 0xa80425fbL | 1L << 21, LIB), "another capability set");
        assertNotEquals(key, SeccompCache.key("a".repeat(64), new Platform("arm64", "SCMP_ARCH_AARCH64", "6.18.44", 40),
                0xa80425fbL, LIB), "another architecture");
        assertNotEquals(key, SeccompCache.key("a".repeat(64), new Platform("amd64", "SCMP_ARCH_X86_64", "6.19.1", 40),
                0xa80425fbL, LIB), "another kernel");
        assertNotEquals(key, SeccompCache.key("a".repeat(64), P, 0xa80425fbL, "libseccomp.so.2.6.0 1 2"), "another libseccomp");
    }

    @Test
    void storedEntriesComeBackInAFolderOnlyRootEnters(@TempDir Path root) throws IOException {
        SeccompCache cache = new SeccompCache(root);
        byte[] bpf = program(3);
        assertEquals(Optional.empty(), cache.read("k"));
        cache.store("k", new SeccompCache.Entry(bpf, 2, List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86")));
        SeccompCache.Entry e = cache.read("k").orElseThrow();
        assertArrayEquals(bpf, e.bpf());
        assertEquals(2, e.rules());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"), e.arches());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("seccomp"))));
        try (var files = Files.list(root.resolve("seccomp"))) {
            assertEquals(List.of(cache.file("k")), files.toList(), "no temporary file left");
        }
    }

    @Test
    void aCorruptedOrTruncatedProgramIsNeverReturned(@TempDir Path root) throws IOException {
        SeccompCache cache = new SeccompCache(root);
        cache.store("k", new SeccompCache.Entry(program(4), 1, List.of("SCMP_ARCH_X86_64")));
        byte[] all = Files.readAllBytes(cache.file("k"));
        byte[] flipped = all.clone();
        flipped[flipped.length - 3] ^= 1;
        Files.write(cache.file("k"), flipped);
        assertEquals(Optional.empty(), cache.read("k"), "CRC mismatch");
        Files.write(cache.file("k"), java.util.Arrays.copyOf(all, all.length - 8));
        assertEquals(Optional.empty(), cache.read("k"), "one instruction short");
        Files.writeString(cache.file("k"), "garbage");
        assertEquals(Optional.empty(), cache.read("k"));
    }

    @Test
    void onlyWholeProgramsWithinTheKernelsLimitAreStored(@TempDir Path root) {
        SeccompCache cache = new SeccompCache(root);
        assertThrows(IOException.class, () -> cache.store("k", new SeccompCache.Entry(new byte[12], 1, List.of())));
        assertThrows(IOException.class, () -> cache.store("k", new SeccompCache.Entry(new byte[0], 1, List.of())));
        assertThrows(IOException.class, () -> cache.store("k", new SeccompCache.Entry(new byte[4097 * 8], 1, List.of())));
        assertTrue(SeccompCache.valid(new byte[4096 * 8]));
    }

    @Test
    void anEntryKeyedByRulesComesBackOnlyForTheSameRules(@TempDir Path root) throws IOException {
        SeccompRules rules = new SeccompRules(SeccompRules.errno(38), List.of("x86"), List.of(
                new SeccompRules.Rule("read", SeccompRules.ACT_ALLOW, List.of()),
                new SeccompRules.Rule("personality", SeccompRules.ACT_ALLOW, List.of(new SeccompRules.Cmp(0, 4, 8, 0)))));
        String source = SeccompCache.source(rules);
        assertEquals("[327718,[\"x86\"],[[\"read\",2147418112,[]],[\"personality\",2147418112,[[0,4,8,0]]]]]", source);
        String key = SeccompCache.keyForRules(source, P, LIB);
        assertTrue(key.startsWith("rules-") && key.endsWith("-" + source.length() + "-amd64-libseccomp.so.2.5.4_129312_1716662212000-bt"), key);
        assertNotEquals(key, SeccompCache.keyForRules(source, P, "libseccomp.so.2.6.0 1 2"), "another libseccomp");
        assertNotEquals(key, SeccompCache.keyForRules(source, new Platform("arm64", "SCMP_ARCH_AARCH64", "6.18.44", 40), LIB));

        SeccompCache cache = new SeccompCache(root);
        cache.store(key, new SeccompCache.Entry(program(5), 2, List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"), source));
        cache.store("none", new SeccompCache.Entry(program(1), 0, List.of(), source)); // an OCI config may name no other arch
        assertEquals(List.of(), cache.read("none", source).orElseThrow().arches());
        SeccompCache.Entry e = cache.read(key, source).orElseThrow();
        assertArrayEquals(program(5), e.bpf());
        assertEquals(2, e.rules());
        assertEquals(source, e.source());
        // the same CRC and length from other rules (a collision, or a file put there) is not these rules' program
        assertEquals(Optional.empty(), cache.read(key, source.replace("\"read\"", "\"kill\"")), "another rules text");
        byte[] all = Files.readAllBytes(cache.file(key));
        all[all.length - source.length() - 2] ^= 1; // inside the program
        Files.write(cache.file(key), all);
        assertEquals(Optional.empty(), cache.read(key, source), "CRC mismatch");
        // a header whose length is out of range, however far, is a damaged file: ignored, never an exception
        for (String length : new String[] {"2147483647", "-8", "99999999999", "40"}) {
            Files.write(cache.file(key), ("contain-seccomp-bpf 2 0 " + length + " 1 x86\n" + "x".repeat(16)).getBytes());
            assertEquals(Optional.empty(), cache.read(key, source), length);
        }
    }

    @Test
    void theRulesTextIsOneWayOnly() {
        // names that would make a naive join ambiguous stay apart: each is quoted
        SeccompRules a = new SeccompRules(0, List.of(), List.of(new SeccompRules.Rule("a\",2147418112,[]],[\"b", 1, List.of())));
        SeccompRules b = new SeccompRules(0, List.of(), List.of(new SeccompRules.Rule("a", 2147418112, List.of()),
                new SeccompRules.Rule("b", 1, List.of())));
        assertNotEquals(SeccompCache.source(a), SeccompCache.source(b));
    }

    static byte[] program(int instructions) {
        byte[] b = new byte[instructions * 8];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + 1);
        }
        return b;
    }
}
