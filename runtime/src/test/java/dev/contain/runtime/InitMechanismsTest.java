package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.Planner;
import dev.contain.runtime.plan.Security;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The init's mechanisms on the real kernel, each with a plan that has its entry set (through the Java types,
 * as policy will set them) and a probe inside the container that a user could run: /proc/self/status,
 * ulimit, a masked file, a write to /proc/sys, a listing of the command's descriptors.
 */
class InitMechanismsTest {
    private static final long CHOWN = 1L << 0, KILL = 1L << 5, NET_BIND_SERVICE = 1L << 10;

    /** Runs {@code yaml} with its plan adjusted by {@code adjuster} (a static method of this class), as PlanRunner does. */
    private static Result run(TestHost host, String yaml, String adjuster, String... args) throws Exception {
        return runImage(host, "busybox", yaml, adjuster, args);
    }

    private static Result runImage(TestHost host, String image, String yaml, String adjuster, String... args) throws Exception {
        Path spec = host.spec("m", "name: m\nimage: " + image + "\n" + yaml);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                PlanRunner.class.getName(), host.dataRoot.toString(), host.runRoot.toString(), spec.toString(),
                InitMechanismsTest.class.getName() + "#" + adjuster));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        return Result.of(p, 60);
    }

    static Plan unchanged(Plan plan, List<String> args) {
        return plan;
    }

    /** The plan without the engine's security policy (its defaults): each mechanism is tested on its own. */
    static Plan none(Plan plan, List<String> args) {
        return with(plan, Security.NONE);
    }

    private static Plan with(Plan plan, Security security) {
        return Planner.withPolicy(plan, security, plan.idmaps());
    }

    /** The Cap* lines of /proc/self/status. */
    private static Map<String, Long> caps(Result r) {
        Map<String, Long> caps = new LinkedHashMap<>();
        r.out().lines().filter(l -> l.startsWith("Cap")).forEach(l -> caps.put(l.split(":")[0], Long.parseUnsignedLong(l.split("\\s+")[1], 16)));
        return caps;
    }

    private static final String SHOW_CAPS = "command: [grep, ^Cap, /proc/self/status]\n";

    static Plan caps(Plan plan, List<String> masks) {
        long[] m = masks.stream().mapToLong(s -> Long.parseUnsignedLong(s, 16)).toArray();
        return with(plan, Security.NONE.withCaps(new Security.Caps(m[0], m[1], m[2], m[3], m[4])));
    }

    @Test
    void capabilitiesAreTheSetsThePlanGives() throws Exception {
        try (TestHost host = new TestHost()) {
            long bounding = CHOWN | KILL | NET_BIND_SERVICE;
            Result everything = run(host, SHOW_CAPS, "none");
            assertEquals(0, everything.exit(), everything.err());
            assertNotEquals(bounding, caps(everything).get("CapBnd"), "without a caps entry the user namespace's full set stays");

            // root: exec gives it its bounding set, effective and permitted
            Result root = run(host, SHOW_CAPS, "caps", Long.toHexString(bounding), Long.toHexString(bounding), Long.toHexString(bounding), "0", "0");
            assertEquals(0, root.exit(), root.err());
            assertEquals(Map.of("CapInh", 0L, "CapPrm", bounding, "CapEff", bounding, "CapBnd", bounding, "CapAmb", 0L), caps(root));

            // a non-root user keeps across exec only what is ambient, which needs it permitted and inheritable first
            Result user = run(host, "user: 1000:1000\n" + SHOW_CAPS, "caps", Long.toHexString(bounding), Long.toHexString(CHOWN | NET_BIND_SERVICE),
                    Long.toHexString(CHOWN | NET_BIND_SERVICE), Long.toHexString(NET_BIND_SERVICE), Long.toHexString(NET_BIND_SERVICE));
            assertEquals(0, user.exit(), user.err());
            assertEquals(Map.of("CapInh", NET_BIND_SERVICE, "CapPrm", NET_BIND_SERVICE, "CapEff", NET_BIND_SERVICE, "CapBnd", bounding,
                    "CapAmb", NET_BIND_SERVICE), caps(user));

            // ambient without inheritable: the kernel refuses, and the init says which capability
            Result refused = run(host, SHOW_CAPS, "caps", Long.toHexString(bounding), "0", Long.toHexString(bounding), "0", Long.toHexString(KILL));
            assertEquals(125, refused.exit());
            assertTrue(refused.err().contains("contain: m: setup: raise capability 5 in the ambient set: Operation not permitted\n"), refused.err());
            host.assertNothingLeft();
        }
    }

    static Plan noNewPrivs(Plan plan, List<String> args) {
        return with(plan, Security.NONE.withNoNewPrivs(true));
    }

    @Test
    void noNewPrivsIsSetWhenThePlanSaysSo() throws Exception {
        try (TestHost host = new TestHost()) {
            String show = "command: [grep, NoNewPrivs, /proc/self/status]\n";
            assertEquals("NoNewPrivs:\t0\n", run(host, show, "none").out());
            assertEquals("NoNewPrivs:\t1\n", run(host, show, "noNewPrivs").out());
        }
    }

    /**
     * A classic BPF program: on x86_64, EPERM for the given syscall numbers, everything else allowed. The
     * struct sock_filter array in native (little-endian) order, as libseccomp exports it.
     */
    static byte[] denying(List<Integer> syscalls) {
        List<long[]> insns = new ArrayList<>(); // code, jt, jf, k
        int n = syscalls.size();
        insns.add(new long[] {0x20, 0, 0, 4});                       // ld [arch]
        insns.add(new long[] {0x15, 0, n + 1, 0xc000003eL});         // jeq AUDIT_ARCH_X86_64, else allow
        insns.add(new long[] {0x20, 0, 0, 0});                       // ld [nr]
        for (int i = 0; i < n; i++) {
            insns.add(new long[] {0x15, n - i, 0, syscalls.get(i)}); // jeq nr -> errno
        }
        insns.add(new long[] {0x06, 0, 0, 0x7fff0000L});             // ret ALLOW
        insns.add(new long[] {0x06, 0, 0, 0x00050001L});             // ret ERRNO | EPERM
        ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] i : insns) {
            b.putShort((short) i[0]).put((byte) i[1]).put((byte) i[2]).putInt((int) i[3]);
        }
        return b.array();
    }

    private static final int MKDIR = 83, MKDIRAT = 258, CAPSET = 126;

    /** args: "nnp" or "-", then the syscall numbers the filter refuses; with "caps", a caps entry too. */
    static Plan seccomp(Plan plan, List<String> args) {
        Security s = Security.NONE.withNoNewPrivs(args.get(0).equals("nnp"))
                .withSeccomp(new Security.Seccomp(0, denying(args.subList(2, args.size()).stream().map(Integer::valueOf).toList())));
        if (args.get(1).equals("caps")) {
            long all = (1L << 41) - 1;
            s = s.withCaps(new Security.Caps(all, all, all, 0, 0));
        }
        return with(plan, s);
    }

    private static final String PROBE_SECCOMP = "command: [sh, -c, 'grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status; mkdir /tmp/probe 2>&1']\n";

    @Test
    void aSeccompFilterIsLoadedLastWithNoNewPrivsAndFirstWithout() throws Exception {
        try (TestHost host = new TestHost()) {
            Result none = run(host, PROBE_SECCOMP, "none");
            assertEquals("NoNewPrivs:\t0\nSeccomp:\t0\n", none.out());
            // with no_new_privs it is loaded after the capabilities are set: a filter refusing capset does not stop the run
            Result last = run(host, PROBE_SECCOMP, "seccomp", "nnp", "caps", "" + MKDIR, "" + MKDIRAT, "" + CAPSET);
            assertEquals(1, last.exit(), last.err());
            assertEquals("NoNewPrivs:\t1\nSeccomp:\t2\nmkdir: can't create directory '/tmp/probe': Operation not permitted\n", last.out());
            // without it the filter goes first, while the process still has CAP_SYS_ADMIN (runc's order)
            Result first = run(host, PROBE_SECCOMP, "seccomp", "-", "-", "" + MKDIR, "" + MKDIRAT);
            assertEquals("NoNewPrivs:\t0\nSeccomp:\t2\nmkdir: can't create directory '/tmp/probe': Operation not permitted\n", first.out());
            // ...so it also filters the init's own capset
            Result refused = run(host, PROBE_SECCOMP, "seccomp", "-", "caps", "" + CAPSET);
            assertEquals(125, refused.exit());
            assertTrue(refused.err().contains("contain: m: setup: set the capabilities (effective 1ffffffffff, permitted 1ffffffffff, "
                    + "inheritable 0): Operation not permitted\n"), refused.err());
            host.assertNothingLeft();
        }
    }

    static Plan limits(Plan plan, List<String> args) {
        long hard = args.get(0).equals("unlimited") ? Security.Rlimit.UNLIMITED : Long.parseLong(args.get(0));
        return with(plan, Security.NONE.withRlimits(List.of(Security.Rlimit.of("nofile", 1024, hard), Security.Rlimit.of("core", 0, 0)))
                .withOomScoreAdj(500));
    }

    @Test
    void rlimitsAndOomScoreAdjAreSetBeforeTheCommandStarts() throws Exception {
        try (TestHost host = new TestHost()) {
            String show = "command: [sh, -c, 'ulimit -n; ulimit -Hn; ulimit -c; cat /proc/self/oom_score_adj']\n";
            Result r = run(host, show, "limits", "2048");
            assertEquals(0, r.exit(), r.err());
            assertEquals("1024\n2048\n0\n500\n", r.out());
            // more descriptors than the kernel allows anyone (fs.nr_open): refused, named
            Result refused = run(host, show, "limits", "unlimited");
            assertEquals(125, refused.exit());
            assertTrue(refused.err().contains("contain: m: setup: set rlimit nofile: Operation not permitted\n"), refused.err());
            host.assertNothingLeft();
        }
    }

    static Plan masked(Plan plan, List<String> args) {
        return with(plan, Security.NONE
                .withMasked(List.of("/proc/keys", "/proc/timer_list", "/proc/kcore", "/sys/firmware", "/proc/no-such-file"))
                .withReadonly(List.of("/proc/sys", "/proc/bus", "/proc/no-such-folder")));
    }

    @Test
    void maskedPathsReadEmptyAndReadOnlyPathsRefuseWrites() throws Exception {
        try (TestHost host = new TestHost()) {
            // harmless if it succeeds: the hostname of the container's own uts namespace; users: host, so that
            // without the mechanism the write is allowed (a container root of its own range may not write it anyway)
            String probe = "users: host\ncommand: [sh, -c, 'wc -c < /proc/timer_list; wc -c < /proc/keys; ls /sys/firmware | wc -l; "
                    + "(echo probe > /proc/sys/kernel/hostname) 2>&1; hostname; "
                    + "grep -E \" /proc/(keys|bus|sys) \" /proc/self/mountinfo | cut -d\" \" -f5,6 | cut -d, -f1']\n";
            Result open = run(host, probe, "none");
            assertEquals(0, open.exit(), open.err());
            assertTrue(open.out().contains("\nprobe\n"), "without readonly /proc/sys is writable: " + open.out());
            assertNotEquals("0", open.out().lines().findFirst().orElse(""), "without masks /proc/timer_list has content: " + open.out());

            Result closed = run(host, probe, "masked");
            assertEquals(0, closed.exit(), closed.err());
            assertEquals("0\n0\n0\nsh: can't create /proc/sys/kernel/hostname: Read-only file system\nm\n"
                    + "/proc/keys ro\n/proc/sys ro\n/proc/bus ro\n", closed.out());
            host.assertNothingLeft();
        }
    }

    @Test
    void onlyStdinStdoutAndStderrReachTheCommand() throws Exception {
        try (TestHost host = new TestHost()) {
            // not ls as the last command: the shell would exec it, and $$ would be ls with its own descriptor
            Result plain = host.run("run", "-q", host.spec("fds", "image: busybox\ncommand: [sh, -c, 'ls /proc/$$/fd; exit 0']\n").toString());
            assertEquals("0\n1\n2\n", plain.out(), plain.err());
            // under a reaping PID 1 too; and nothing in the container reads PID 1's descriptors
            // (PID 1 holds the engine's stdout, perhaps a host file: its name is listed, the file is not reachable)
            Result reaped = host.run("run", "-q", host.spec("fds", "image: busybox\ninit: true\n"
                    + "command: [sh, -c, 'ls /proc/$$/fd; readlink /proc/1/fd/1 || echo refused; (exec 3</proc/1/fd/0) || echo refused']\n").toString());
            assertEquals("0\n1\n2\nrefused\nrefused\n", reaped.out(), reaped.err());
        }
    }

    /** CVE-2019-5736: a process in the container must not get the host's init binary for writing. */
    @Test
    void theInitRunsFromASealedCopyThatNothingInsideCanOpen() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("sealed", "image: busybox\ninit: true\ncommand: [sh, -c, '(exec 3>/proc/1/exe) 2>/dev/null && echo opened "
                    + "|| echo refused; readlink /proc/1/exe || echo unreadable; echo ready; read line']\n");
            TestHost.Running running = host.start("run", "-q", spec.toString());
            running.awaitLine("ready");
            long pid = Long.parseLong(Files.readString(host.runRoot.resolve("sealed/pid")).split(" ")[0]);
            assertEquals("/memfd:contain-init (deleted)", Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString(),
                    "the container's PID 1, seen from the host");
            running.send("\n");
            Result r = running.finish();
            assertEquals(0, r.exit(), r.err());
            assertEquals("refused\nunreadable\nready\n", r.out());
        }
    }

    @Test
    void aCommandKilledUnderTheReaperIsReportedByItsSignal() throws Exception {
        try (TestHost host = new TestHost()) {
            Result killed = host.run("run", host.spec("killed", "image: busybox\ninit: true\ncommand: [sh, -c, 'kill -9 $$']\n").toString());
            assertEquals(137, killed.exit(), killed.err());
            assertTrue(killed.err().contains("\ncontainer process killed by signal 9 (SIGKILL)\n"), killed.err());
            Result exited = host.run("run", host.spec("exited", "image: busybox\ninit: true\ncommand: [sh, -c, 'exit 3']\n").toString());
            assertEquals(3, exited.exit(), exited.err());
            assertTrue(exited.err().contains("\ncontainer process exited normally with code 3\n"), exited.err());
        }
    }

    /** The plan with no idmapped mount: every layer as stored. */
    static Plan withoutIdmaps(Plan plan, List<String> args) {
        return Planner.withPolicy(plan, plan.security(), List.of());
    }

    /** args: the staging folder, and perhaps another source; the image's folder is idmapped there for the container's user namespace. */
    static Plan idmapped(Plan plan, List<String> args) {
        Path image = args.size() > 1 ? Path.of(args.get(1)) : plan.lowerDirs().get(plan.lowerDirs().size() - 1);
        return Planner.withPolicy(plan, plan.security(), List.of(new InitOp.Idmap(image, Path.of(args.get(0)))));
    }

    @Test
    void anIdmappedImageShowsItsOwnersInsideAContainerWhoseRootIsNotTheHosts() throws Exception {
        try (TestHost host = new TestHost()) {
            // a folder image outside the engine's store (whose folders only root enters): the container's root (host
            // uid 200000) reaches it without an idmap through the test's folder (0711) and its own mode
            Path rootfs = host.dir.resolve("rootfs");
            TestHost.exec(List.of("cp", "-a", host.imageRootfs().toString(), rootfs.toString()));
            Files.setPosixFilePermissions(rootfs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Path staging = Files.createDirectory(host.dir.resolve("idmapped"));
            String yaml = "users:\n  uid: [{container: 0, host: 200000, size: 65536}]\n"
                    + "command: [sh, -c, 'stat -c %u:%g /bin/busybox /etc/passwd; cat /proc/self/uid_map']\n";
            // the engine idmaps by default: this is the run without the mechanism
            Result plain = runImage(host, rootfs.toString(), yaml, "withoutIdmaps");
            assertEquals(0, plain.exit(), plain.err());
            assertTrue(plain.out().startsWith("65534:65534\n65534:65534\n"), "host root is nobody inside: " + plain.out());
            Result mapped = runImage(host, rootfs.toString(), yaml, "idmapped", staging.toString());
            assertEquals(0, mapped.exit(), mapped.err());
            assertEquals(List.of("0:0", "0:0", "0 200000 65536"), mapped.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList());
            // a folder that cannot be idmapped: the host side says which, before the container goes on
            Result refused = runImage(host, rootfs.toString(), yaml, "idmapped", staging.toString(), host.dir.resolve("no-such-layer").toString());
            assertEquals(125, refused.exit());
            assertTrue(refused.err().contains("contain: m: setup: idmap " + host.dir.resolve("no-such-layer")
                    + ": copy the mount (open_tree): No such file or directory\n"), refused.err());
            try (var left = Files.list(staging)) {
                assertEquals(List.of(), left.toList(), "the idmapped copy lived in the container's mount namespace only");
            }
            host.assertNothingLeft();
        }
    }
}
