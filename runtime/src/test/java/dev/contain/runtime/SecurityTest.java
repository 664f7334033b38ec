package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A default container, probed from inside on the real kernel, one test per row of docker's defaults (README,
 * Security): what it may not do, and that the spec's keys open exactly what they name. Every probe is
 * harmless if it succeeds: it writes a value already there, mounts inside the container's own mount
 * namespace, or makes a key, socket or child that ends with the probe.
 */
class SecurityTest {
    static final String DOCKER_CAPS = "00000000a80425fb";

    /** Runs {@code script} with busybox sh in a container with the extra spec keys; returns its stdout. */
    static String inside(TestHost host, String keys, String script) throws IOException, InterruptedException {
        Path spec = host.spec("probe", "image: busybox\n" + keys + "\ncommand: [sh, -c, '" + script.replace("'", "''") + "']\n");
        Result r = host.run("run", "-q", spec.toString());
        assertEquals(0, r.exit(), "stdout: " + r.out() + "\nstderr: " + r.err());
        return r.out();
    }

    /** The static syscall probe (src/test/resources/probes), built with musl-gcc into a layer of this host. */
    static String probeLayer(TestHost host) throws IOException, InterruptedException {
        Path layer = Files.createDirectories(host.dir.resolve("probe-layer"));
        TestHost.exec(List.of("musl-gcc", "-static", "-O2", "-o", layer.resolve("probe").toString(),
                Path.of("src/test/resources/probes/syscall-probe.c").toAbsolutePath().toString()));
        return "layers: [" + layer + "]";
    }

    static String status(String out, String field) {
        return out.lines().filter(l -> l.startsWith(field + ":")).map(l -> l.substring(field.length() + 1).trim())
                .findFirst().orElse("(no " + field + ")");
    }

    static final String STATUS = "grep -E \"^(Cap|NoNewPrivs|Seccomp)\" /proc/self/status";

    @Test
    void capabilitiesAreDockers14InBoundingPermittedAndEffectiveAndNoneInheritable() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, "", STATUS);
            assertEquals(DOCKER_CAPS, status(out, "CapEff"), out);
            assertEquals(DOCKER_CAPS, status(out, "CapPrm"), out);
            assertEquals(DOCKER_CAPS, status(out, "CapBnd"), out);
            assertEquals("0000000000000000", status(out, "CapInh"), out);
            assertEquals("0000000000000000", status(out, "CapAmb"), out);
        }
    }

    @Test
    void noNewPrivilegesIsOnAndTheSpecTurnsItOff() throws Exception {
        try (TestHost host = new TestHost()) {
            assertEquals("1", status(inside(host, "", STATUS), "NoNewPrivs"));
            assertEquals("0", status(inside(host, "noNewPrivileges: false", STATUS), "NoNewPrivs"));
        }
    }

    @Test
    void aSeccompFilterIsLoadedAndUnconfinedLoadsNone() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, "", STATUS);
            assertEquals("2", status(out, "Seccomp"), out);
            assertEquals("1", status(out, "Seccomp_filters"), out);
            String unconfined = inside(host, "seccomp: unconfined", STATUS);
            assertEquals("0", status(unconfined, "Seccomp"), unconfined);
            assertEquals(DOCKER_CAPS, status(unconfined, "CapEff"), "unconfined is about seccomp only");
            assertTrue(Files.list(host.dataRoot.resolve("seccomp")).findAny().isPresent(), "the compiled filter is cached");
        }
    }

    @Test
    void aNonRootUserHasNoEffectiveOrPermittedCapabilities() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, "user: 1000:1000", STATUS);
            assertEquals("0000000000000000", status(out, "CapEff"), out);
            assertEquals("0000000000000000", status(out, "CapPrm"), out);
            assertEquals(DOCKER_CAPS, status(out, "CapBnd"), "the bounding set keeps the 14: " + out);
        }
    }

    @Test
    void procSysAndFriendsAreReadOnly() throws Exception {
        try (TestHost host = new TestHost()) {
            // the uts namespace's own hostname, written with the value it has: harmless if the write went through
            String out = inside(host, "", "cat /proc/sys/kernel/hostname > /tmp/h; cat /tmp/h > /proc/sys/kernel/hostname && echo wrote; "
                    + "grep -E \" /proc/(sys|sysrq-trigger|irq|bus|fs) \" /proc/self/mountinfo | grep \" ro,\" | cut -d\" \" -f5 | sort");
            assertFalse(out.contains("wrote"), out);
            List<String> expected = onHost(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
            assertEquals(expected, out.lines().toList(), "each read-only path this kernel has is a read-only mount");
        }
    }

    /** The paths this kernel has (a VM's has no /proc/kcore or /proc/sysrq-trigger, say): those are the ones to probe. */
    static List<String> onHost(List<String> paths) {
        return paths.stream().filter(p -> Files.exists(Path.of(p))).toList();
    }

    @Test
    void writingProcSysFailsWithEROFS() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("probe", "image: busybox\ncommand: [sh, -c, 'cat /proc/sys/kernel/hostname > /proc/sys/kernel/hostname']\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("Read-only file system"), r.err());
        }
    }

    @Test
    void sensitiveProcAndSysFilesAreMasked() throws Exception {
        try (TestHost host = new TestHost()) {
            List<String> files = onHost(List.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                    "/proc/latency_stats", "/proc/timer_stats", "/proc/interrupts"));
            List<String> folders = onHost(List.of("/proc/acpi", "/proc/scsi", "/proc/asound", "/sys/firmware", "/sys/devices/virtual/powercap"));
            assertTrue(files.contains("/proc/keys") && folders.contains("/sys/firmware"), "this kernel has something to mask");
            String out = inside(host, "", "for f in " + String.join(" ", files) + "; do echo \"$f $(stat -c %s $f) $(wc -c < $f)\"; done; "
                    + "for d in " + String.join(" ", folders) + "; do echo \"$d $(ls -A $d | wc -l)\"; done; "
                    + "touch /sys/firmware/x 2>&1 | grep -o \"Read-only file system\"");
            for (String f : files) {
                assertTrue(out.contains(f + " 0 0\n"), "a masked file reads empty: " + out);
            }
            for (String d : folders) {
                assertTrue(out.contains(d + " 0\n"), "a masked folder is empty: " + out);
            }
            assertTrue(out.contains("Read-only file system"), "a masked folder is a read-only tmpfs: " + out);
        }
    }

    @Test
    void mountingTmpfsProcOrCgroupfsFails() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, "", "mkdir -p /mnt/t; for t in tmpfs proc cgroup2; do mount -t $t none /mnt/t && echo \"$t mounted\"; done; "
                    + "mount -t cgroup -o memory none /mnt/t && echo \"cgroup mounted\"; "
                    + "touch /sys/fs/cgroup/probe 2>&1 | grep -o \"Read-only file system\"; true");
            assertFalse(out.contains("mounted"), out);
            assertTrue(out.contains("Read-only file system"), "the container's own cgroup is read-only: " + out);
        }
    }

    @Test
    void newUserNamespacesKeysAndVsockAreRefused() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, probeLayer(host), "unshare -U true 2>&1 | grep -o \"Operation not permitted\"; "
                    + "/probe clone_newuser add_key keyctl socket_vsock socket_alg personality clone3 clone socket_inet");
            assertEquals("""
                    Operation not permitted
                    clone_newuser EPERM
                    add_key EPERM
                    keyctl EPERM
                    socket_vsock EPERM
                    socket_alg EPERM
                    personality EPERM
                    clone3 ENOSYS
                    clone ok
                    socket_inet ok
                    """, out);
        }
    }

    @Test
    void addingSysAdminMakesMountWork() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, "capabilities: { add: [SYS_ADMIN] }",
                    "mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo mounted; " + STATUS);
            assertTrue(out.contains("mounted"), out);
            assertEquals(String.format("%016x", 0xa80425fbL | 1L << 21), status(out, "CapEff"), out);
        }
    }

    @Test
    void droppingACapabilityTakesItAway() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, "capabilities: { drop: [chown] }",
                    "touch /tmp/f && chown 1 /tmp/f 2>&1 | grep -o \"Operation not permitted\"; " + STATUS);
            assertTrue(out.contains("Operation not permitted"), out);
            assertEquals(String.format("%016x", 0xa80425fbL & ~1L), status(out, "CapEff"), out);
        }
    }

    @Test
    void privilegedOpensEverythingAndSaysSo() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("probe", "image: busybox\nprivileged: true\n" + probeLayer(host) + "\ncommand: [sh, -c, '"
                    + STATUS + "; mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo mounted; stat -c \"kcore %s\" /proc/kcore; "
                    + "/probe personality clone3 clone_newuser']\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            int lastCap;
            try (var in = new java.io.FileInputStream("/proc/sys/kernel/cap_last_cap")) { // one read: see Platform.sysctl
                lastCap = Integer.parseInt(new String(in.readAllBytes()).trim());
            }
            assertEquals(String.format("%016x", (1L << (lastCap + 1)) - 1), status(r.out(), "CapEff"),
                    "every capability, in its own user namespace: " + r.out());
            assertEquals("0", status(r.out(), "Seccomp"));
            assertEquals("0", status(r.out(), "NoNewPrivs"));
            assertTrue(r.out().contains("mounted"), r.out());
            assertFalse(r.out().contains("kcore 0"), "not masked: " + r.out());
            assertTrue(r.out().contains("personality ok\nclone3 ok\nclone_newuser ok"), r.out());
            assertTrue(r.err().contains("contain: probe: privileged: every capability, no seccomp filter"), r.err());
        }
    }

    @Test
    void aCustomProfileIsHonoured() throws Exception {
        try (TestHost host = new TestHost()) {
            Files.writeString(host.dir.resolve("deny-mkdir.json"), """
                    {
                      "defaultAction": "SCMP_ACT_ALLOW",
                      "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ]
                    }
                    """);
            String out = inside(host, "seccomp: ./deny-mkdir.json",
                    "mkdir /tmp/d 2>&1 | grep -o \"Operation not permitted\"; touch /tmp/f && echo touched; " + STATUS);
            assertTrue(out.contains("Operation not permitted"), out);
            assertTrue(out.contains("touched"), out);
            assertEquals("2", status(out, "Seccomp"), out);
        }
    }

    @Test
    void aBadProfileIsRejectedByValidateAtItsLineAndColumn() throws Exception {
        try (TestHost host = new TestHost()) {
            Files.writeString(host.dir.resolve("bad.json"), "{\n  \"defaultAction\": \"SCMP_ACT_ERNO\"\n}\n");
            Path spec = host.spec("probe", "image: busybox\nseccomp: ./bad.json\ncommand: [true]\n");
            Result r = host.run("validate", spec.toString());
            assertEquals(1, r.exit());
            assertEquals(host.dir.resolve("bad.json") + ":2:20: unknown action 'SCMP_ACT_ERNO' (did you mean 'SCMP_ACT_ERRNO'?); use one of "
                    + "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, "
                    + "SCMP_ACT_ALLOW, SCMP_ACT_LOG\n", r.err());
        }
    }

    @Test
    void rlimitsAreSetBeforeExec() throws Exception {
        try (TestHost host = new TestHost()) {
            String out = inside(host, "rlimits: { nofile: 100:200, core: 0 }", "grep -E \"open files|core file\" /proc/self/limits");
            assertTrue(out.matches("(?s).*Max core file size\\s+0\\s+0\\s.*"), out);
            assertTrue(out.matches("(?s).*Max open files\\s+100\\s+200\\s.*"), out);
        }
    }

    @Test
    void theDryRunShowsThePolicy() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("probe", "image: busybox\nuser: 1000\ncapabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }\n"
                    + "rlimits: { nofile: 1024:4096 }\ncommand: [true]\n");
            Result r = host.run("run", "--dry-run", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("init: capabilities: bounding NET_BIND_SERVICE (0000000000000400)\n"
                    + "init: capabilities: effective none, permitted none, inheritable none, ambient none\n"
                    + "init: no_new_privs on\ninit: rlimit nofile 1024:4096\n"), r.out());
            assertTrue(r.out().matches("(?s).*init: seccomp profile default \\(docker's\\): [0-9]+ rules, [0-9]+ BPF instructions, flags 0, loaded last before exec\n.*"), r.out());
            assertTrue(r.out().contains("init: mask /proc/kcore\n"), r.out());
            assertTrue(r.out().contains("init: read-only /proc/sys\n"), r.out());
            assertFalse(Files.exists(host.dataRoot.resolve("seccomp")), "a dry run caches nothing");
        }
    }
}
