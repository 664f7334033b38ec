package dev.contain.runtime;

import static dev.contain.runtime.OciRuntimeTest.awaitStatus;
import static dev.contain.runtime.OciRuntimeTest.awaitText;
import static dev.contain.runtime.OciRuntimeTest.bundle;
import static dev.contain.runtime.OciRuntimeTest.create;
import static dev.contain.runtime.OciRuntimeTest.oci;
import static dev.contain.runtime.OciRuntimeTest.run;
import static dev.contain.runtime.OciRuntimeTest.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * contain-oci's ps, pause, resume, update and kill --all on the real kernel (this hybrid machine: the v1 freezer,
 * memory, cpu and pids hierarchies), and podman's pause and unpause through it.
 */
class OciControlTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A first process with two children, ticking on stdout every 50 ms without forking (a read that times out on a fifo in /dev). */
    private static final String TICKING = "sleep 1000 & sleep 1000 & mkfifo /dev/tick; exec 3<>/dev/tick; echo ready; "
            + "while :; do echo x; read -t 0.05 y <&3; done";

    /** The container's folder in a v1 hierarchy, as its first process's /proc/PID/cgroup names it. */
    private static Path cgroup(long pid, String controller) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains(controller)) {
                return Path.of("/sys/fs/cgroup", controller, f[2]);
            }
        }
        throw new AssertionError("no " + controller + " cgroup for " + pid);
    }

    private static long ticks(Path out) throws Exception {
        return Files.readAllLines(out).stream().filter(l -> l.equals("x")).count();
    }

    private static List<Long> pids(TestHost host, String id) throws Exception {
        TestHost.Result ps = run(host, "ps", "--format", "json", id);
        assertEquals(0, ps.exit(), ps.err());
        List<Long> pids = new ArrayList<>();
        JSON.readTree(ps.out()).forEach(p -> pids.add(p.asLong()));
        return pids;
    }

    @Test
    void psPauseResumeUpdateAndKillAll() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b", TICKING);
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            assertEquals(0, create(host, out, err, "--bundle", bundle.toString(), "c1"), Files.readString(err));
            long pid = state(host, "c1").get("pid").asLong();
            assertEquals(List.of(pid), pids(host, "c1"), "created: only its first process");
            assertEquals(0, run(host, "start", "c1").exit());
            awaitText(out, "ready");
            List<Long> pids = pids(host, "c1");
            assertEquals(3, pids.size(), pids.toString());
            assertTrue(pids.contains(pid), pids.toString());
            // table: ps -ef's header and the lines of exactly those processes
            TestHost.Result table = run(host, "ps", "c1");
            assertEquals(0, table.exit(), table.err());
            List<String> lines = table.out().lines().toList();
            assertTrue(lines.get(0).contains("PID") && lines.get(0).contains("CMD"), lines.toString());
            TreeSet<Long> shown = new TreeSet<>();
            for (String l : lines.subList(1, lines.size())) {
                shown.add(Long.parseLong(l.trim().split("\\s+")[1]));
            }
            assertEquals(new TreeSet<>(pids), shown, table.out());
            TestHost.Result custom = run(host, "ps", "c1", "--", "-o", "pid,comm");
            assertEquals(0, custom.exit(), custom.err());
            assertEquals(4, custom.out().lines().count(), custom.out());

            // pause: nothing runs (no tick in 400 ms), the state says so; resume: it ticks again
            assertEquals(0, run(host, "pause", "c1").exit());
            assertEquals("paused", state(host, "c1").get("status").asText());
            assertEquals("FROZEN", Files.readString(cgroup(pid, "freezer").resolve("freezer.state")).trim());
            long frozenAt = ticks(out);
            Thread.sleep(400);
            assertEquals(frozenAt, ticks(out), "a paused container ran");
            TestHost.Result again = run(host, "pause", "c1");
            assertEquals("contain-oci: c1: pause: container not running or created (paused)\n", again.err());
            TestHost.Result start = run(host, "start", "c1");
            assertEquals(1, start.exit());
            assertEquals(0, run(host, "resume", "c1").exit());
            assertEquals("running", state(host, "c1").get("status").asText());
            long resumedAt = ticks(out);
            for (int i = 0; i < 100 && ticks(out) < resumedAt + 3; i++) {
                Thread.sleep(50);
            }
            assertTrue(ticks(out) >= resumedAt + 3, "it runs again");
            assertEquals("contain-oci: c1: resume: container not paused (running)\n", run(host, "resume", "c1").err());

            // update: the limits given change, the others stay
            TestHost.Result u = run(host, "update", "--memory", "64m", "--cpu-quota", "50000", "--pids-limit", "20", "c1");
            assertEquals(0, u.exit(), u.err());
            assertEquals("67108864", Files.readString(cgroup(pid, "memory").resolve("memory.limit_in_bytes")).trim());
            assertEquals("50000", Files.readString(cgroup(pid, "cpu").resolve("cpu.cfs_quota_us")).trim());
            assertEquals("20", Files.readString(cgroup(pid, "pids").resolve("pids.max")).trim());
            Process fromStdin = new ProcessBuilder(oci(host, "update", "--resources", "-", "c1")).start();
            fromStdin.getOutputStream().write("{\"pids\": {\"limit\": 30}, \"memory\": {\"limit\": 134217728}}".getBytes());
            fromStdin.getOutputStream().close();
            TestHost.Result r = TestHost.Result.of(fromStdin, 60);
            assertEquals(0, r.exit(), r.err());
            assertEquals("30", Files.readString(cgroup(pid, "pids").resolve("pids.max")).trim());
            assertEquals("134217728", Files.readString(cgroup(pid, "memory").resolve("memory.limit_in_bytes")).trim(), "raised");
            assertEquals("50000", Files.readString(cgroup(pid, "cpu").resolve("cpu.cfs_quota_us")).trim(), "unchanged");
            assertEquals("contain-oci: c1: update: the container has no cpuset cgroup (it asked for no cpuset when created)\n",
                    run(host, "update", "--cpuset-cpus", "0", "c1").err());
            TestHost.Result period = run(host, "update", "--cpu-period", "50000", "--cpu-quota", "10000", "--cpu-shares", "1024", "c1");
            assertEquals(0, period.exit(), period.err());
            assertEquals("50000", Files.readString(cgroup(pid, "cpu").resolve("cpu.cfs_period_us")).trim());
            assertEquals("10000", Files.readString(cgroup(pid, "cpu").resolve("cpu.cfs_quota_us")).trim());
            assertEquals("1024", Files.readString(cgroup(pid, "cpu").resolve("cpu.shares")).trim(), "v1 shares as given, not through a v2 weight");
            assertEquals("contain-oci: c1: update: resources.cpu.period: 500 us is outside the kernel's 1000..1000000\n",
                    run(host, "update", "--cpu-period", "500", "c1").err());
            // -1 removes a limit (v1: -1, pids "max"; memsw before the memory limit)
            TestHost.Result remove = run(host, "update", "--memory", "-1", "--pids-limit", "-1", "--cpu-quota", "-1", "c1");
            assertEquals(0, remove.exit(), remove.err());
            assertEquals("-1", Files.readString(cgroup(pid, "cpu").resolve("cpu.cfs_quota_us")).trim());
            assertEquals("max", Files.readString(cgroup(pid, "pids").resolve("pids.max")).trim());
            assertEquals("9223372036854771712", Files.readString(cgroup(pid, "memory").resolve("memory.limit_in_bytes")).trim(), "no memory limit");
            TestHost.Result reserve = run(host, "update", "--memory-reservation", "32m", "c1");
            assertEquals(0, reserve.exit(), reserve.err());
            assertEquals("33554432", Files.readString(cgroup(pid, "memory").resolve("memory.soft_limit_in_bytes")).trim());
            assertEquals("contain-oci: c1: update: --memory: not a size: lots\n", run(host, "update", "--memory", "lots", "c1").err());

            // kill --all: every process, not just the first
            assertEquals(0, run(host, "kill", "--all", "c1", "KILL").exit());
            awaitStatus(host, "c1", "stopped");
            for (int i = 0; i < 100 && !pids(host, "c1").isEmpty(); i++) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), pids(host, "c1"));
            for (long p : pids) {
                assertTrue(!Files.exists(Path.of("/proc", Long.toString(p))) || Files.readString(Path.of("/proc", Long.toString(p), "stat")).contains(") Z"),
                        "process " + p + " is gone");
            }
            assertEquals("contain-oci: c1: kill: container not running (no process in its cgroup)\n", run(host, "kill", "--all", "c1").err());
            assertEquals("contain-oci: c1: pause: container not running or created (stopped)\n", run(host, "pause", "c1").err());
            assertEquals(0, run(host, "delete", "c1").exit());
            host.assertNothingLeft();
        }
    }

    /** linux.resources.cpu.cpus/mems: the container's v1 cpuset folder holds them before its command runs; update changes them. */
    @Test
    void aCpusetIsSetAtCreateAndChangedByUpdate() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b", "grep Cpus_allowed_list /proc/self/status; sleep 1000");
            com.fasterxml.jackson.databind.node.ObjectNode c = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            c.with("linux").with("resources").with("cpu").put("cpus", "0").put("mems", "0");
            Files.writeString(bundle.resolve("config.json"), c.toPrettyString());
            long pid = createAndStart(host, bundle, "c1", "Cpus_allowed_list");
            Path out = host.dir.resolve("out");
            assertTrue(Files.readString(out).matches("(?s)Cpus_allowed_list:\\s+0\\n.*"), Files.readString(out));
            Path dir = cgroup(pid, "cpuset");
            assertEquals("0", Files.readString(dir.resolve("cpuset.cpus")).trim());
            assertEquals("0", Files.readString(dir.resolve("cpuset.mems")).trim());
            TestHost.Result u = run(host, "update", "--cpuset-cpus", "0-1", "c1");
            assertEquals(0, u.exit(), u.err());
            assertEquals("0-1", Files.readString(dir.resolve("cpuset.cpus")).trim());
            TestHost.Result bad = run(host, "update", "--cpuset-cpus", "0-x", "c1");
            assertEquals("contain-oci: c1: update: resources.cpu.cpus: \"0-x\" is not a list of numbers and ranges such as 0-1,3\n", bad.err());
            assertEquals(0, run(host, "delete", "--force", "c1").exit());
            host.assertNothingLeft();
        }
    }

    /** The root file system's whole disk, as "MAJ:MIN" (from /proc/self/mountinfo; a partition's disk), else the first disk sysfs lists. */
    static String rootDisk() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            Path dev = Path.of("/sys/dev/block", f[2]);
            if (f[4].equals("/") && Files.exists(dev)) {
                return Files.exists(dev.resolve("partition")) ? Files.readString(dev.toRealPath().getParent().resolve("dev")).trim() : f[2];
            }
        }
        try (var disks = Files.list(Path.of("/sys/block"))) {
            return Files.readString(disks.sorted().findFirst().orElseThrow().resolve("dev")).trim();
        }
    }

    /**
     * linux.resources.blockIO on this machine's root disk: throttles (limits only: the container does no I/O) in the
     * container's own blkio folder before its command runs, changed by update, the folder gone with the container; a leaf
     * weight, which this kernel has no file for, is refused by its field with why.
     */
    @Test
    void blockIoThrottlesOnTheRootDiskAreSetChangedAndGoWithTheContainer() throws Exception {
        String disk = rootDisk();
        long major = Long.parseLong(disk.split(":")[0]);
        long minor = Long.parseLong(disk.split(":")[1]);
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b", "cat /proc/self/cgroup; sleep 1000");
            com.fasterxml.jackson.databind.node.ObjectNode c = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            com.fasterxml.jackson.databind.node.ObjectNode b = c.with("linux").with("resources").with("blockIO");
            b.putArray("throttleReadBpsDevice").addObject().put("major", major).put("minor", minor).put("rate", 1048576);
            b.putArray("throttleWriteIOPSDevice").addObject().put("major", major).put("minor", minor).put("rate", 100);
            Files.writeString(bundle.resolve("config.json"), c.toPrettyString());
            long pid = createAndStart(host, bundle, "b1", "blkio:");
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            Path dir = cgroup(pid, "blkio");
            assertTrue(Files.readString(out).contains(":blkio:/contain/b1\n"), "its command runs in it: " + Files.readString(out));
            assertEquals(disk + " 1048576", Files.readString(dir.resolve("blkio.throttle.read_bps_device")).trim());
            assertEquals(disk + " 100", Files.readString(dir.resolve("blkio.throttle.write_iops_device")).trim());
            assertEquals("", Files.readString(dir.resolve("blkio.throttle.write_bps_device")).trim(), "nothing else");

            Process update = new ProcessBuilder(oci(host, "update", "--resources", "-", "b1")).start();
            update.getOutputStream().write(("{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": " + major + ", \"minor\": " + minor
                    + ", \"rate\": 2097152}]}}").getBytes());
            update.getOutputStream().close();
            TestHost.Result r = TestHost.Result.of(update, 60);
            assertEquals(0, r.exit(), r.err());
            assertEquals(disk + " 2097152", Files.readString(dir.resolve("blkio.throttle.read_bps_device")).trim());
            assertEquals(disk + " 100", Files.readString(dir.resolve("blkio.throttle.write_iops_device")).trim(), "unchanged");
            Path weight = Files.exists(dir.resolve("blkio.weight")) ? dir.resolve("blkio.weight") : dir.resolve("blkio.bfq.weight");
            if (Files.exists(weight)) { // this machine: BFQ's
                TestHost.Result w = run(host, "update", "--blkio-weight", "300", "b1");
                assertEquals(0, w.exit(), w.err());
                assertTrue(Files.readString(weight).trim().matches("(default )?300"), Files.readString(weight));
            }
            assertEquals(0, run(host, "delete", "--force", "b1").exit());
            assertTrue(Files.notExists(dir), dir + " is gone");
            host.assertNothingLeft();

            if (Files.notExists(Path.of("/sys/fs/cgroup/blkio/blkio.leaf_weight"))) { // no CFQ (Linux 5.0+)
                b.put("leafWeight", 300);
                Files.writeString(bundle.resolve("config.json"), c.toPrettyString());
                assertEquals(1, create(host, out, err, "--bundle", bundle.toString(), "b2"));
                assertEquals("contain-oci: b2: config.json: linux.resources.blockIO.leafWeight: this kernel's blkio controller has no leaf weight file "
                        + "(blkio.leaf_weight: CFQ only, gone since Linux 5.0)\n", Files.readString(err));
                host.assertNothingLeft();
            }
        }
    }

    /** A paused container: a signal waits (it stays paused), delete needs --force, which kills it at once and leaves nothing. */
    @Test
    void aPausedContainerIsKilledAndDeletedWithForce() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b", TICKING);
            createAndStart(host, bundle, "p1", "ready");
            assertEquals(0, run(host, "pause", "p1").exit());
            assertEquals(0, run(host, "kill", "p1", "TERM").exit());
            Thread.sleep(200);
            assertEquals("paused", state(host, "p1").get("status").asText(), "the signal waits for the thaw");
            assertEquals("contain-oci: p1: delete: cannot delete a paused container (use --force)\n", run(host, "delete", "p1").err());
            long t0 = System.nanoTime();
            TestHost.Result d = run(host, "delete", "--force", "p1");
            assertEquals(0, d.exit(), d.err());
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000, "no wait for frozen processes to die");
            assertEquals(1, run(host, "state", "p1").exit());
            host.assertNothingLeft();
        }
    }

    /** A created container paused says paused (not created), start refuses it instead of waiting, resume makes it startable. */
    @Test
    void aCreatedContainerPausedIsPausedUntilResumed() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b", TICKING);
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            assertEquals(0, create(host, out, err, "--bundle", bundle.toString(), "cp"), Files.readString(err));
            assertEquals(0, run(host, "pause", "cp").exit());
            assertEquals("paused", state(host, "cp").get("status").asText());
            assertEquals("contain-oci: cp: start: cannot start a container that is paused\n", run(host, "start", "cp").err());
            assertEquals(0, run(host, "resume", "cp").exit());
            assertEquals("created", state(host, "cp").get("status").asText());
            assertEquals(0, run(host, "start", "cp").exit());
            awaitText(out, "ready");
            assertEquals(0, run(host, "delete", "--force", "cp").exit());
            host.assertNothingLeft();
        }
    }

    /** podman pause and unpause call contain-oci pause and resume; podman top reads the processes. */
    @Test
    void podmanPausesAndUnpausesThroughContainOci() throws Exception {
        ImageTest.assumeTools("podman", "conmon");
        try (TestHost host = new TestHost()) {
            Path runroot = Files.createTempDirectory(Path.of("/tmp"), "oci-");
            List<String> podman = OciRuntimeTest.podman(host, runroot);
            try {
                TestHost.Result imported = OciRuntimeTest.exec(podman, List.of("import", TestHost.busybox().toString(), "localhost/oci-busybox:1"));
                assertEquals(0, imported.exit(), imported.err());
                TestHost.Result d = OciRuntimeTest.exec(podman, List.of("run", "-d", "--name", "oci-p", "--network", "none", "--ulimit",
                        "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "localhost/oci-busybox:1", "sh", "-c",
                        "while :; do echo x; sleep 0.05; done"));
                assertEquals(0, d.exit(), d.err());
                TestHost.Result pause = OciRuntimeTest.exec(podman, List.of("pause", "oci-p"));
                assertEquals(0, pause.exit(), pause.err());
                assertEquals("paused\n", OciRuntimeTest.exec(podman, List.of("inspect", "--format", "{{.State.Status}}", "oci-p")).out());
                long before = OciRuntimeTest.exec(podman, List.of("logs", "oci-p")).out().lines().count();
                Thread.sleep(400);
                assertEquals(before, OciRuntimeTest.exec(podman, List.of("logs", "oci-p")).out().lines().count(), "paused: no output");
                TestHost.Result unpause = OciRuntimeTest.exec(podman, List.of("unpause", "oci-p"));
                assertEquals(0, unpause.exit(), unpause.err());
                assertEquals("running\n", OciRuntimeTest.exec(podman, List.of("inspect", "--format", "{{.State.Status}}", "oci-p")).out());
                long after = before;
                for (int i = 0; i < 100 && after < before + 3; i++) {
                    Thread.sleep(50);
                    after = OciRuntimeTest.exec(podman, List.of("logs", "oci-p")).out().lines().count();
                }
                assertTrue(after >= before + 3, "running again: " + before + " -> " + after);
                TestHost.Result top = OciRuntimeTest.exec(podman, List.of("top", "oci-p", "pid", "comm"));
                assertEquals(0, top.exit(), top.err());
                assertTrue(top.out().contains("sh"), top.out());
                assertEquals(0, OciRuntimeTest.exec(podman, List.of("pause", "oci-p")).exit());
                TestHost.Result rm = OciRuntimeTest.exec(podman, List.of("rm", "-f", "oci-p"));
                assertEquals(0, rm.exit(), "a paused container is removed with -f: " + rm.err());
                assertEquals("", OciRuntimeTest.exec(podman, List.of("ps", "-aq")).out());
            } finally {
                OciRuntimeTest.cleanUpPodman(podman, runroot);
            }
            host.assertNothingLeft();
        }
    }

    /**
     * Creates container {@code id} from {@code bundle} (its output to the host's "out", errors to "err"), starts it,
     * and waits until its output shows {@code text}; returns its first process's pid.
     */
    private static long createAndStart(TestHost host, Path bundle, String id, String text) throws Exception {
        Path out = host.dir.resolve("out");
        Path err = host.dir.resolve("err");
        assertEquals(0, create(host, out, err, "--bundle", bundle.toString(), id), Files.readString(err));
        long pid = state(host, id).get("pid").asLong();
        assertEquals(0, run(host, "start", id).exit());
        awaitText(out, text);
        return pid;
    }
}
