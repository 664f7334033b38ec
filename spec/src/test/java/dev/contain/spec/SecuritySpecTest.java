package dev.contain.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security keys: what a user writes and what the spec then holds (the engine decides what it means). */
class SecuritySpecTest {
    static Security security(String yaml) {
        SpecResult r = SpecParserTest.parse("image: busybox\ncommand: [true]\n" + yaml);
        assertEquals(List.of(), r.problems());
        return r.spec().security();
    }

    static List<String> problems(String yaml) {
        return SpecParserTest.parse("image: busybox\ncommand: [true]\n" + yaml).problems().stream().map(Problem::toString).toList();
    }

    @Test
    void defaultsAreDockersAndNoNewPrivileges() {
        Security s = security("");
        assertEquals(Security.DEFAULT, s);
        assertTrue(s.noNewPrivileges());
        assertInstanceOf(Security.Seccomp.Default.class, s.seccomp());
        assertFalse(s.privileged());
    }

    @Test
    void capabilityNamesWithOrWithoutPrefixInAnyCase() {
        Security s = security("capabilities: { add: [SYS_ADMIN, cap_net_admin, Cap_Sys_Ptrace], drop: [MKNOD] }");
        assertEquals(Set.of(Capability.SYS_ADMIN, Capability.NET_ADMIN, Capability.SYS_PTRACE), s.capabilities().add());
        assertEquals(Set.of(Capability.MKNOD), s.capabilities().drop());
        assertFalse(s.capabilities().addAll() || s.capabilities().dropAll());
        Security all = security("capabilities: { drop: [all], add: [NET_BIND_SERVICE] }");
        assertTrue(all.capabilities().dropAll());
        assertEquals(Set.of(Capability.NET_BIND_SERVICE), all.capabilities().add());
        assertTrue(security("capabilities: { add: [ALL], drop: [SYS_ADMIN] }").capabilities().addAll());
    }

    @Test
    void capabilityBitsAreTheKernels() {
        assertEquals(0, Capability.CHOWN.bit());
        assertEquals(21, Capability.SYS_ADMIN.bit());
        assertEquals(29, Capability.AUDIT_WRITE.bit());
        assertEquals(40, Capability.CHECKPOINT_RESTORE.bit());
        assertEquals("CAP_SYS_ADMIN", Capability.SYS_ADMIN.capName());
    }

    @Test
    void rlimitsTakeSoftHardOneValueOrUnlimited() {
        Security s = security("rlimits: { nofile: 1024:4096, core: 0, nproc: unlimited, stack: 8388608:unlimited }");
        assertEquals(List.of(new Rlimit.Value(Rlimit.NOFILE, 1024, 4096), new Rlimit.Value(Rlimit.CORE, 0, 0),
                new Rlimit.Value(Rlimit.NPROC, -1, -1), new Rlimit.Value(Rlimit.STACK, 8388608, -1)), s.rlimits());
        assertEquals(7, Rlimit.NOFILE.number());
        assertEquals(6, Rlimit.NPROC.number());
        assertEquals("nofile 1024:unlimited", new Rlimit.Value(Rlimit.NOFILE, 1024, -1).toString());
    }

    @Test
    void privilegedTurnsTheRestOffButKeepsRlimits() {
        Security s = security("privileged: true\nrlimits: { core: 0 }");
        assertTrue(s.privileged());
        assertFalse(s.noNewPrivileges());
        assertInstanceOf(Security.Seccomp.Unconfined.class, s.seccomp());
        assertEquals(1, s.rlimits().size());
        assertFalse(security("privileged: false").privileged());
        assertEquals(List.of(), problems("privileged: true\nnoNewPrivileges: false"), "saying it twice is fine");
    }

    @Test
    void seccompKeywordsAndTheirTypos() {
        assertInstanceOf(Security.Seccomp.Unconfined.class, security("seccomp: unconfined").seccomp());
        assertInstanceOf(Security.Seccomp.Default.class, security("seccomp: default").seccomp());
        assertFalse(security("noNewPrivileges: false").noNewPrivileges());
        assertEquals(List.of("t.yaml:3:10: seccomp profile 'unconfinde' does not exist (did you mean 'unconfined'?)"),
                problems("seccomp: unconfinde"));
        assertEquals(List.of("t.yaml:3:10: seccomp must be default, unconfined, or the path of a JSON profile, like ./profile.json"),
                problems("seccomp: ' '"));
    }

    @Test
    void aProfileIsReadRelativeToTheSpecAndItsProblemsNameIt(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("deny-mkdir.json"), """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
                """);
        Path spec = dir.resolve("web.yaml");
        Files.writeString(spec, "image: busybox\ncommand: [true]\nseccomp: ./deny-mkdir.json\n");
        SpecResult r = SpecParser.parseFile(spec);
        assertEquals(List.of(), r.problems());
        Security.Seccomp.Profile p = (Security.Seccomp.Profile) r.spec().security().seccomp();
        assertEquals(dir.resolve("deny-mkdir.json"), p.file());
        assertEquals(64, p.sha256().length());
        assertEquals(SeccompProfile.Action.ALLOW, p.profile().defaultAction());
        assertEquals(List.of("mkdir", "mkdirat"), p.profile().syscalls().get(0).names());
        assertEquals(1, p.profile().syscalls().get(0).errnoRet());

        Files.writeString(dir.resolve("deny-mkdir.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscals\": []}\n");
        SpecResult bad = SpecParser.parseFile(spec);
        assertNull(bad.spec());
        assertEquals(List.of(dir.resolve("deny-mkdir.json") + ":2:3: unknown key 'syscals' in the seccomp profile (did you mean 'syscalls'?)"),
                bad.problems().stream().map(Problem::toString).toList());
    }

    @Test
    void aProfileIsReadAsASpecIsOnlyARegularFileOfAtMost1MiB(@TempDir Path dir) throws Exception {
        assertEquals(List.of("/dev/zero:1:1: cannot read seccomp profile: it is a character device, not a regular file"),
                problems("seccomp: /dev/zero"), "never read forever");
        Files.createDirectory(dir.resolve("p.json"));
        Files.writeString(dir.resolve("s.yaml"), "image: busybox\ncommand: [true]\nseccomp: p.json\n");
        assertEquals(List.of(dir.resolve("p.json") + ":1:1: cannot read seccomp profile: it is a directory, not a file"),
                SpecParser.parseFile(dir.resolve("s.yaml")).problems().stream().map(Problem::toString).toList());
        Files.delete(dir.resolve("p.json"));
        Files.write(dir.resolve("p.json"), new byte[] {'{', '"', (byte) 0xff, '"', '}'});
        assertEquals(List.of(dir.resolve("p.json") + ":1:3: the seccomp profile is not UTF-8 text: byte 0xff (byte 2 of the file) is not valid UTF-8 here"),
                SpecParser.parseFile(dir.resolve("s.yaml")).problems().stream().map(Problem::toString).toList());
        Files.writeString(dir.resolve("p.json"), "[".repeat(100_000));
        List<Problem> deep = SpecParser.parseFile(dir.resolve("s.yaml")).problems();
        assertEquals(1, deep.size(), "bounded like a spec: " + deep);
    }

    @Test
    void profileValuesCoverTheWholeUnsigned64BitRange() {
        SeccompProfileParser.Result r = SeccompProfileParser.parse("""
                {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
                 "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                               "args": [{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}],
                               "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "4.8"}}]}
                """, "p.json");
        assertEquals(List.of(), r.problems());
        SeccompProfile.Syscall s = r.profile().syscalls().get(0);
        assertEquals(-1L, s.args().get(0).value(), "2^64-1 kept in 64 bits");
        assertEquals(List.of(Capability.SYS_ADMIN), s.includes().caps());
        assertEquals("4.8", s.includes().minKernel());
        assertEquals(List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32"), r.profile().archMap().get(0).subArchitectures());
        assertEquals(List.of("p.json:1:1: the seccomp profile needs a defaultAction, like SCMP_ACT_ERRNO",
                        "p.json:1:13: use either architectures or archMap, not both",
                        "p.json:2:89: syscalls[0].args[0].value must be a whole number from 0 to 18446744073709551615, not -1"),
                SeccompProfileParser.parse("""
                        {"archMap": [], "architectures": [],
                         "syscalls": [{"names": ["a"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}
                        """, "p.json").problems().stream().map(Problem::toString).toList());
        assertEquals(List.of("p.json:1:1: the seccomp profile needs a defaultAction, like SCMP_ACT_ERRNO"),
                SeccompProfileParser.parse("", "p.json").problems().stream().map(Problem::toString).toList());
    }
}
