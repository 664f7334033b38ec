package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.cgroup.BlockIo;
import dev.contain.runtime.cgroup.CgroupFeature;
import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.cgroup.HugepageLimit;
import dev.contain.runtime.cgroup.Limits;
import dev.contain.runtime.cgroup.MemoryTuning;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.stage.CgroupStage;
import dev.contain.runtime.stage.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Block I/O, hugetlb and removing limits by update, against a fake cgroupfs (see {@link CgroupTest}): no root needed. */
class CgroupResourcesTest {
    @TempDir
    Path tmp;

    private static final BlockIo THROTTLED = new BlockIo(null, null, List.of(), List.of(
            new BlockIo.Throttle(BlockIo.Kind.READ_BPS, 254, 0, 1 << 20), new BlockIo.Throttle(BlockIo.Kind.WRITE_IOPS, 254, 0, 100)));

    private static Limits blockIo(BlockIo b) {
        return new Limits(null, null, null, null, null, null, null, null, null, b, List.of(), MemoryTuning.NONE);
    }

    private static Limits hugepages(HugepageLimit... h) {
        return new Limits(null, null, null, null, null, null, null, null, null, BlockIo.NONE, List.of(h), MemoryTuning.NONE);
    }

    /** pids and (when given) blkio and hugetlb hierarchies, as this machine mounts them; the blkio root as BFQ's shows it. */
    private CgroupLayout v1(boolean bfq, String... more) throws Exception {
        StringBuilder mountinfo = new StringBuilder("39 31 0:36 / " + tmp.resolve("pids") + " rw - cgroup cgroup rw,pids\n");
        StringBuilder cgroup = new StringBuilder("8:pids:/\n");
        Files.createDirectories(tmp.resolve("pids"));
        for (String c : more) {
            Files.createDirectories(tmp.resolve(c));
            mountinfo.append("40 31 0:3").append(c.length()).append(" / ").append(tmp.resolve(c)).append(" rw - cgroup cgroup rw,").append(c).append('\n');
            cgroup.append("7:").append(c).append(":/\n");
        }
        if (bfq && List.of(more).contains("blkio")) {
            Files.writeString(tmp.resolve("blkio/blkio.bfq.io_service_bytes"), "Total 0\n");
        }
        return CgroupLayout.parse(mountinfo.toString(), cgroup.toString());
    }

    private List<String> writes(FakeCgroupKernel k, String prefix) {
        return k.log.stream().filter(l -> l.startsWith("write " + prefix)).toList();
    }

    /** v1: a blkio folder only when block I/O is asked for; throttles one line a device; weights to BFQ's files here. */
    @Test
    void v1BlockIoThrottlesAndBfqWeightsInAFolderMadeOnlyWhenAsked() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        CgroupLayout layout = v1(true, "blkio");
        CgroupPlanner planner = new CgroupPlanner(layout, k);
        CgroupPlan none = planner.plan("web", new Limits(null, null, null, null, 5L), null, false);
        assertEquals(List.of("pids"), none.dirs().stream().map(CgroupPlan.Dir::controller).toList(), "no block I/O asked: no blkio folder");
        BlockIo b = new BlockIo(500, null, List.of(new BlockIo.DeviceWeight(254, 0, 300, null)), THROTTLED.throttles());
        CgroupPlan plan = planner.plan("web", blockIo(b), null, false);
        assertEquals(List.of("pids", "blkio"), plan.dirs().stream().map(CgroupPlan.Dir::controller).toList());
        Run run = CgroupTest.run(tmp, plan, k);
        new CgroupStage().apply(run);
        assertEquals(List.of("write blkio/contain/web/blkio.bfq.weight 500", "write blkio/contain/web/blkio.bfq.weight_device 254:0 300",
                "write blkio/contain/web/blkio.throttle.read_bps_device 254:0 1048576", "write blkio/contain/web/blkio.throttle.write_iops_device 254:0 100"),
                writes(k, "blkio/"));
        assertTrue(plan.selfJoinFiles().contains(tmp.resolve("blkio/contain/web/tasks")), "the process joins it");
        // update: only what is given, into the folder it has
        assertEquals(List.of("blkio/contain/web/blkio.throttle.read_bps_device=254:0 0"), planner.updates("web", plan.dirs(),
                blockIo(new BlockIo(null, null, List.of(), List.of(new BlockIo.Throttle(BlockIo.Kind.READ_BPS, 254, 0, 0))))).stream()
                .map(w -> tmp.relativize(w.file()) + "=" + w.value()).toList());
        ContainerError e = assertThrows(ContainerError.class, () -> planner.updates("web", none.dirs(), blockIo(THROTTLED)));
        assertEquals("web: update: the container has no blkio cgroup (it asked for no blkio limit when created)", e.userMessage());
        run.journal().undoAll(k);
        assertTrue(Files.notExists(tmp.resolve("blkio/contain")), "its folder and the shared parent are gone");
        // BFQ has no leaf weight; without CFQ or BFQ there is no weight at all: the planner says why
        assertEquals("this kernel's blkio controller has no leaf weight file (blkio.leaf_weight: CFQ only, gone since Linux 5.0)",
                planner.missing(CgroupFeature.BLKIO_LEAF_WEIGHT));
        assertNull(planner.missing(CgroupFeature.BLKIO_WEIGHT));
        assertNull(planner.missing(CgroupFeature.BLKIO_THROTTLE));
        Files.delete(tmp.resolve("blkio/blkio.bfq.io_service_bytes"));
        assertEquals("this kernel's blkio controller has no weight file (no CFQ or BFQ scheduler with group support: " + tmp.resolve("blkio")
                + " shows neither blkio.weight nor blkio.bfq.*)", planner.missing(CgroupFeature.BLKIO_WEIGHT));
        e = assertThrows(ContainerError.class, () -> planner.plan("web", blockIo(b), null, false));
        assertTrue(e.userMessage().startsWith("web: cgroup: block I/O (BLKIO_WEIGHT): this kernel's blkio controller has no weight file"), e.userMessage());
        assertNull(planner.missing(CgroupFeature.BLKIO_THROTTLE), "throttles need no scheduler");
        // CFQ's files where the root shows them
        Files.writeString(tmp.resolve("blkio/blkio.weight"), "500\n");
        assertNull(planner.missing(CgroupFeature.BLKIO_LEAF_WEIGHT));
        CgroupPlanner noBlkio = new CgroupPlanner(v1(false), k);
        assertEquals("the blkio controller is not mounted (no cgroup v1 hierarchy with it in /proc/self/mountinfo)", noBlkio.missing(CgroupFeature.BLKIO_THROTTLE));
    }

    /** Devices are checked before planning: whole disks that exist; BFQ's per-device weights only where the disk's scheduler is BFQ. */
    @Test
    void blockIoDevicesAreWholeDisksAndBfqDeviceWeightsNeedBfq() throws Exception {
        Path sys = tmp.resolve("sys-dev-block");
        Files.createDirectories(sys.resolve("254:0/queue"));
        Files.writeString(sys.resolve("254:0/queue/scheduler"), "none [mq-deadline] kyber bfq\n");
        Files.createDirectories(sys.resolve("8:0/queue"));
        Files.writeString(sys.resolve("8:0/queue/scheduler"), "none mq-deadline kyber [bfq]\n");
        Files.createDirectories(sys.resolve("254:1"));
        Files.writeString(sys.resolve("254:1/partition"), "1\n");
        CgroupPlanner planner = new CgroupPlanner(v1(true, "blkio"), new FakeCgroupKernel(tmp, true), sys);
        assertNull(planner.deviceMissing(254, 0, false), "a throttle needs no scheduler");
        assertNull(planner.deviceMissing(8, 0, true));
        assertEquals("device 254:0 does not use the BFQ scheduler, the one with per-device weights here (" + sys.resolve("254:0/queue/scheduler")
                + ": none [mq-deadline] kyber bfq)", planner.deviceMissing(254, 0, true));
        assertEquals("254:1 is a partition; the kernel limits whole disks only", planner.deviceMissing(254, 1, false));
        assertEquals("there is no block device 99:0 (no " + sys.resolve("99:0") + ")", planner.deviceMissing(99, 0, false));
    }

    /** v2: io.max with one key a line, io.weight (blk-iocost) in [1, 10000] as runc converts it; the io controller handed down. */
    @Test
    void v2BlockIoGoesToIoMaxAndIoWeight() throws Exception {
        FakeCgroupKernel k = CgroupTest.v2Tree(tmp);
        CgroupPlanner planner = new CgroupPlanner(CgroupTest.v2Layout(tmp), k);
        assertEquals("this kernel's io controller has no weight file (no blk-iocost: " + tmp + " has no io.cost.qos; no io.bfq.weight in "
                + tmp.resolve("user.slice/user-1000.slice/session-3.scope") + ")", planner.missing(CgroupFeature.BLKIO_WEIGHT));
        Files.writeString(tmp.resolve("io.cost.qos"), "");
        assertNull(planner.missing(CgroupFeature.BLKIO_WEIGHT));
        assertEquals("cgroup v2's io controller has no leaf weight", planner.missing(CgroupFeature.BLKIO_LEAF_WEIGHT));
        CgroupPlan plan = planner.plan("web", blockIo(new BlockIo(500, null, List.of(new BlockIo.DeviceWeight(254, 0, 10, null)), THROTTLED.throttles())), null, false);
        Run run = CgroupTest.run(tmp, plan, k);
        new CgroupStage().apply(run);
        String dir = "user.slice/user-1000.slice/contain/web/";
        assertEquals(List.of("write " + dir + "io.weight default 4950", "write " + dir + "io.weight 254:0 1", "write " + dir + "io.max 254:0 rbps=1048576",
                "write " + dir + "io.max 254:0 wiops=100"), writes(k, dir + "io."));
        assertTrue(k.log.contains("write user.slice/user-1000.slice/contain/cgroup.subtree_control +io"), k.log.toString());
        run.journal().undoAll(k);
        Files.writeString(tmp.resolve("cgroup.controllers"), "cpu memory pids\n");
        assertEquals("the io controller is not available in " + tmp.resolve("cgroup.controllers"), planner.missing(CgroupFeature.BLKIO_THROTTLE));
    }

    /** hugetlb: v1's hierarchy (a folder only when asked) or v2's controller on a unified machine; on a hybrid one only in v2: why not. */
    @Test
    void hugetlbWhereTheControllerIsUsableAndWhyNotOnAHybridMachine() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        CgroupPlanner v1 = new CgroupPlanner(v1(false, "hugetlb"), k);
        assertNull(v1.missing(CgroupFeature.HUGETLB));
        assertEquals(List.of("pids"), v1.plan("web", new Limits(null, null, null, null, 5L), null, false).dirs().stream().map(CgroupPlan.Dir::controller).toList());
        CgroupPlan plan = v1.plan("web", hugepages(new HugepageLimit("2MB", 4L << 20)), null, false);
        Run run = CgroupTest.run(tmp, plan, k);
        new CgroupStage().apply(run);
        assertEquals(List.of("write hugetlb/contain/web/hugetlb.2MB.limit_in_bytes 4194304"), writes(k, "hugetlb/"));
        run.journal().undoAll(k);

        Path v2Root = Files.createDirectories(tmp.resolve("unified"));
        Files.writeString(v2Root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.writeString(v2Root.resolve("cgroup.subtree_control"), "\n");
        String hybrid = "39 31 0:36 / " + tmp.resolve("pids") + " rw - cgroup cgroup rw,pids\n41 31 0:38 / " + v2Root + " rw - cgroup2 cgroup2 rw\n";
        CgroupPlanner planner = new CgroupPlanner(CgroupLayout.parse(hybrid, "8:pids:/\n0::/\n"), k);
        assertEquals("the hugetlb controller is only in this hybrid machine's cgroup v2 hierarchy (" + v2Root.resolve("cgroup.controllers")
                + " lists it) and is not enabled in its root's cgroup.subtree_control, which contain never writes (it did not create that hierarchy)",
                planner.missing(CgroupFeature.HUGETLB));
        Files.writeString(v2Root.resolve("cgroup.subtree_control"), "hugetlb\n");
        assertEquals("the hugetlb controller is only in this hybrid machine's cgroup v2 hierarchy (" + v2Root + "), and contain keeps "
                + "containers in the v1 hierarchies here", planner.missing(CgroupFeature.HUGETLB));
        assertEquals("this machine has no hugetlb controller (no cgroup v1 hierarchy with it is mounted)",
                new CgroupPlanner(CgroupLayout.parse(hybrid.lines().findFirst().orElseThrow() + "\n", "8:pids:/\n"), k).missing(CgroupFeature.HUGETLB));
        assertEquals("this machine has no net_cls controller (no cgroup v1 hierarchy with it is mounted; cgroup v2 has none)", planner.missing(CgroupFeature.NET_CLS));

        FakeCgroupKernel k2 = CgroupTest.v2Tree(tmp.resolve("v2"));
        CgroupPlanner unified = new CgroupPlanner(CgroupTest.v2Layout(tmp.resolve("v2")), k2);
        assertNull(unified.missing(CgroupFeature.HUGETLB));
        Run run2 = CgroupTest.run(tmp.resolve("v2"), unified.plan("web", hugepages(new HugepageLimit("2MB", 4L << 20)), null, false), k2);
        new CgroupStage().apply(run2);
        assertTrue(k2.log.contains("write user.slice/user-1000.slice/contain/web/hugetlb.2MB.max 4194304"), k2.log.toString());
        assertTrue(k2.log.contains("write cgroup.subtree_control +hugetlb"), "unified: handed down like the others");
        run2.journal().undoAll(k2);
        assertEquals("2MB", HugepageLimit.name(2048));
        assertEquals("1GB", HugepageLimit.name(1 << 20));
        assertEquals("64KB", HugepageLimit.name(64));
    }

    /** update: -1 removes a limit (v1 -1, pids "max"; memsw first); v2 "max", and a period alone keeps the quota cpu.max has. */
    @Test
    void anUpdateRemovesLimitsAndAV2PeriodKeepsTheQuota() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        String mountinfo = "35 31 0:32 / " + tmp.resolve("memory") + " rw - cgroup cgroup rw,memory\n"
                + "32 31 0:29 / " + tmp.resolve("cpu") + " rw - cgroup cgroup rw,cpu\n" + "39 31 0:36 / " + tmp.resolve("pids") + " rw - cgroup cgroup rw,pids\n";
        CgroupPlanner v1 = new CgroupPlanner(CgroupLayout.parse(mountinfo, "4:memory:/\n1:cpu:/\n8:pids:/\n"), k);
        CgroupPlan plan = v1.plan("web", new Limits(64L << 20, null, 50.0, null, 10L), null, false);
        Run run = CgroupTest.run(tmp, plan, k);
        new CgroupStage().apply(run);
        Limits removeAll = new Limits(Limits.UNLIMITED, null, Limits.UNLIMITED_CPU, null, Limits.UNLIMITED);
        assertEquals(List.of("memory/contain/web/memory.memsw.limit_in_bytes=-1", "memory/contain/web/memory.limit_in_bytes=-1",
                "cpu/contain/web/cpu.cfs_quota_us=-1", "pids/contain/web/pids.max=max"), describe(v1.updates("web", plan.dirs(), removeAll)));
        assertEquals(List.of("memory/contain/web/memory.memsw.limit_in_bytes=-1", "memory/contain/web/memory.limit_in_bytes=33554432"),
                describe(v1.updates("web", plan.dirs(), new Limits(32L << 20, Limits.UNLIMITED, null, null, null))), "unlimited swap: memsw first");
        assertEquals(List.of("memory/contain/web/memory.memsw.limit_in_bytes=-1"),
                describe(v1.updates("web", plan.dirs(), new Limits(null, Limits.UNLIMITED, null, null, null))));
        run.journal().undoAll(k);

        FakeCgroupKernel k2 = CgroupTest.v2Tree(tmp.resolve("v2"));
        CgroupPlanner v2 = new CgroupPlanner(CgroupTest.v2Layout(tmp.resolve("v2")), k2);
        CgroupPlan plan2 = v2.plan("web", new Limits(64L << 20, null, 50.0, null, 10L), null, false);
        Run run2 = CgroupTest.run(tmp.resolve("v2"), plan2, k2);
        new CgroupStage().apply(run2);
        String dir = "user.slice/user-1000.slice/contain/web/";
        Files.writeString(tmp.resolve("v2").resolve(dir).resolve("cgroup.controllers"), "cpu memory pids\n"); // what its parent hands down
        assertEquals(List.of(dir + "memory.max=max", dir + "memory.swap.max=max", dir + "cpu.max=max", dir + "pids.max=max"),
                describe(v2.updates("web", plan2.dirs(), removeAll), tmp.resolve("v2")));
        Limits period = new Limits(null, null, null, null, null, null, null, null, 20_000L);
        assertEquals(List.of(dir + "cpu.max=50000 20000"), describe(v2.updates("web", plan2.dirs(), period), tmp.resolve("v2")),
                "the quota cpu.max has stays (50000 100000 after create)");
        Limits periodNoQuota = new Limits(null, null, Limits.UNLIMITED_CPU, null, null, null, null, null, 20_000L);
        assertEquals(List.of(dir + "cpu.max=max 20000"), describe(v2.updates("web", plan2.dirs(), periodNoQuota), tmp.resolve("v2")));
        run2.journal().undoAll(k2);
    }

    private List<String> describe(List<CgroupPlan.Write> writes) {
        return describe(writes, tmp);
    }

    private static List<String> describe(List<CgroupPlan.Write> writes, Path root) {
        return writes.stream().map(w -> root.relativize(w.file()) + "=" + w.value()).toList();
    }

    /** The memory controller's other settings: v1 has them all; v2 only the soft limit (memory.low), the others refused with why. */
    @Test
    void memoryReservationSwappinessOomAndTcpBuffers() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        CgroupPlanner v1 = new CgroupPlanner(CgroupLayout.parse("35 31 0:32 / " + tmp.resolve("memory") + " rw - cgroup cgroup rw,memory\n", "4:memory:/\n"), k);
        Files.createDirectories(tmp.resolve("memory"));
        MemoryTuning all = new MemoryTuning(32L << 20, 10, true, 8L << 20);
        Limits l = new Limits(64L << 20, null, null, null, null, null, null, null, null, BlockIo.NONE, List.of(), all);
        Run run = CgroupTest.run(tmp, v1.plan("web", l, null, false), k);
        new CgroupStage().apply(run);
        assertEquals(List.of("write memory/contain/web/memory.limit_in_bytes 67108864", "write memory/contain/web/memory.soft_limit_in_bytes 33554432",
                "write memory/contain/web/memory.swappiness 10", "write memory/contain/web/memory.oom_control 1",
                "write memory/contain/web/memory.kmem.tcp.limit_in_bytes 8388608"), writes(k, "memory/"));
        run.journal().undoAll(k);
        for (CgroupFeature f : List.of(CgroupFeature.MEMORY_SWAPPINESS, CgroupFeature.MEMORY_OOM_KILL_DISABLE, CgroupFeature.MEMORY_KERNEL_TCP)) {
            assertNull(v1.missing(f));
        }

        FakeCgroupKernel k2 = CgroupTest.v2Tree(tmp.resolve("v2"));
        CgroupPlanner v2 = new CgroupPlanner(CgroupTest.v2Layout(tmp.resolve("v2")), k2);
        assertEquals("cgroup v2 has no swappiness of a cgroup (the system's vm.swappiness applies)", v2.missing(CgroupFeature.MEMORY_SWAPPINESS));
        ContainerError e = assertThrows(ContainerError.class, () -> v2.plan("web", l, null, false));
        assertEquals("web: cgroup: memory (MEMORY_SWAPPINESS): cgroup v2 has no swappiness of a cgroup (the system's vm.swappiness applies)", e.userMessage());
        Limits reservation = new Limits(null, null, null, null, null, null, null, null, null, BlockIo.NONE, List.of(), new MemoryTuning(32L << 20, null, null, null));
        Run run2 = CgroupTest.run(tmp.resolve("v2"), v2.plan("web", reservation, null, false), k2);
        new CgroupStage().apply(run2);
        assertTrue(k2.log.contains("write user.slice/user-1000.slice/contain/web/memory.low 33554432"), k2.log.toString());
        assertTrue(k2.log.stream().noneMatch(w -> w.contains("memory.max") || w.contains("memory.swap.max")), "no limit asked, none written: " + k2.log);
        run2.journal().undoAll(k2);
    }
}
