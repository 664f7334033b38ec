package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.cgroup.CgroupReport;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.stage.CgroupStage;
import dev.contain.runtime.stage.Run;
import dev.contain.runtime.cgroup.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cgroup layout detection, and the v1/v2 file math against a fake cgroupfs: no root needed. */
class CgroupTest {
    @TempDir
    Path tmp;

    static String resource(String name) throws IOException {
        return Files.readString(Path.of("src/test/resources/cgroup", name));
    }

    @Test
    void detectsHybridLikeThisMachine() throws IOException {
        CgroupLayout l = CgroupLayout.parse(resource("hybrid.mountinfo"), resource("hybrid.cgroup"));
        assertEquals(CgroupLayout.Mode.HYBRID, l.mode());
        assertEquals(List.of("cpu", "cpuacct", "memory", "devices", "pids"), List.copyOf(l.v1().keySet()));
        assertEquals(Path.of("/sys/fs/cgroup/memory/process_api/b19fa31687b7fda5c5d454038b0f24c0"), l.v1().get("memory").engineDir());
        assertEquals(Path.of("/sys/fs/cgroup/unified"), l.v2().mountPoint());
        assertEquals(false, l.usesV2(), "hybrid machines keep their controllers in v1");
    }

    @Test
    void detectsUnified() throws IOException {
        CgroupLayout l = CgroupLayout.parse(resource("unified.mountinfo"), resource("unified.cgroup"));
        assertEquals(CgroupLayout.Mode.UNIFIED, l.mode());
        assertTrue(l.usesV2());
        assertEquals(Path.of("/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope"), l.v2().engineDir());
    }

    @Test
    void detectsLegacyWithCoMountedControllers() throws IOException {
        CgroupLayout l = CgroupLayout.parse(resource("legacy.mountinfo"), resource("legacy.cgroup"));
        assertEquals(CgroupLayout.Mode.LEGACY, l.mode());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), l.v1().get("cpu").mountPoint());
        assertEquals(l.v1().get("cpu").mountPoint(), l.v1().get("cpuacct").mountPoint());
        assertEquals(Path.of("/sys/fs/cgroup/memory/system.slice/ci.service"), l.v1().get("memory").engineDir());
    }

    private FakeCgroupKernel v2Tree() throws IOException {
        return v2Tree(tmp);
    }

    /** A v2 hierarchy in {@code tmp} with the engine in user.slice/user-1000.slice/session-3.scope. */
    static FakeCgroupKernel v2Tree(Path tmp) throws IOException {
        Files.createDirectories(tmp);
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, false);
        Files.writeString(tmp.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.writeString(tmp.resolve("cgroup.subtree_control"), "memory pids\n");
        Path slice = Files.createDirectories(tmp.resolve("user.slice/user-1000.slice/session-3.scope"));
        Files.writeString(tmp.resolve("user.slice/cgroup.subtree_control"), "memory pids\n");
        Files.writeString(tmp.resolve("user.slice/user-1000.slice/cgroup.subtree_control"), "\n");
        Files.writeString(slice.resolve("cgroup.procs"), "4242\n");
        return k;
    }

    private CgroupLayout v2Layout() {
        return v2Layout(tmp);
    }

    static CgroupLayout v2Layout(Path tmp) {
        return CgroupLayout.parse("28 25 0:26 / " + tmp + " rw - cgroup2 cgroup2 rw\n", "0::/user.slice/user-1000.slice/session-3.scope\n");
    }

    private Run run(CgroupPlan cgroup, FakeCgroupKernel kernel) throws IOException {
        return run(tmp, cgroup, kernel);
    }

    /** A run of only this cgroup plan, its state in {@code tmp}/state. */
    static Run run(Path tmp, CgroupPlan cgroup, FakeCgroupKernel kernel) throws IOException {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Plan plan = new Plan("web", false, null, state, state, null, null, null, List.of(), 0, cgroup, List.of(), List.of(), dev.contain.runtime.ids.IdPlan.NONE,
                List.of(), List.of(), List.of(), "/", 0, 0, List.of(), false, dev.contain.runtime.plan.Security.NONE, List.of(), false);
        return new Run(plan, EngineConfig.of(tmp, tmp), kernel, Progress.SILENT);
    }

    @Test
    void v2WritesWhatTheKernelAcceptsBesideTheEnginesCgroup() throws Exception {
        FakeCgroupKernel k = v2Tree();
        CgroupPlan plan = new CgroupPlanner(v2Layout(), k).plan("web", new Limits(64L << 20, null, 50.0, null, 64L), null, false);
        Run run = run(plan, k);
        new CgroupStage().apply(run);
        assertEquals(List.of(
                "mkdir user.slice/user-1000.slice/contain",
                "mkdir user.slice/user-1000.slice/contain/web",
                "write cgroup.subtree_control +cpu",
                "write user.slice/cgroup.subtree_control +cpu",
                "write user.slice/user-1000.slice/cgroup.subtree_control +memory",
                "write user.slice/user-1000.slice/cgroup.subtree_control +cpu",
                "write user.slice/user-1000.slice/cgroup.subtree_control +pids",
                "write user.slice/user-1000.slice/contain/cgroup.subtree_control +memory",
                "write user.slice/user-1000.slice/contain/cgroup.subtree_control +cpu",
                "write user.slice/user-1000.slice/contain/cgroup.subtree_control +pids",
                "write user.slice/user-1000.slice/contain/web/memory.max 67108864",
                "write user.slice/user-1000.slice/contain/web/memory.swap.max 0",
                "write user.slice/user-1000.slice/contain/web/cpu.max 50000 100000",
                "write user.slice/user-1000.slice/contain/web/pids.max 64",
                "attach device filter user.slice/user-1000.slice/contain/web (60 instructions)"), k.log);
        assertEquals("4242\n", Files.readString(tmp.resolve("user.slice/user-1000.slice/session-3.scope/cgroup.procs")),
                "the engine's own cgroup is never touched");
        assertEquals(tmp.resolve("user.slice/user-1000.slice/contain/web"), plan.cloneInto(), "v2: the process is born in it");
        assertEquals(List.of(), plan.selfJoinFiles());
        k.log.clear();
        assertEquals(List.of(), run.journal().undoAll(k));
        assertEquals(List.of("write user.slice/user-1000.slice/contain/web/cgroup.kill 1", "rmdir user.slice/user-1000.slice/contain/web",
                "rmdir user.slice/user-1000.slice/contain"), k.log);
    }

    @Test
    void v2RemovalKillsThroughCgroupKillNotPidByPid() throws Exception {
        FakeCgroupKernel k = v2Tree();
        Path dir = tmp.resolve("contain/web");
        k.mkdirs(dir);
        Files.writeString(dir.resolve("cgroup.procs"), "4242\n4243\n");
        k.log.clear();
        dev.contain.runtime.cgroup.CgroupRemover.remove(k, dir);
        assertEquals(List.of("write contain/web/cgroup.kill 1", "rmdir contain/web"), k.log, "one write kills them all, then rmdir");
        Files.delete(dir.getParent().resolve("cgroup.kill"));
        Path old = tmp.resolve("contain/old"); // a kernel before 5.14: no cgroup.kill, so each pid is killed
        k.mkdirs(old);
        Files.delete(old.resolve("cgroup.kill"));
        Files.writeString(old.resolve("cgroup.procs"), "4242\n");
        k.log.clear();
        dev.contain.runtime.cgroup.CgroupRemover.remove(k, old);
        assertEquals(List.of("kill 4242", "rmdir contain/old"), k.log);
    }

    @Test
    void whereNoCgroupFilesystemIsMountedTheHostsHierarchiesAreMountedAgain() throws Exception {
        // ip netns exec: a fresh /sys, but the process is still in the machine's hierarchies
        CgroupLayout none = CgroupLayout.parse("22 1 0:21 / /proc rw - proc proc rw\n23 1 0:30 / /sys rw - sysfs sysfs rw\n",
                resource("hybrid.cgroup"));
        assertEquals(CgroupLayout.Mode.NONE, none.mode());
        var hybrid = dev.contain.runtime.cgroup.CgroupMounts.needed(resource("hybrid.cgroup"));
        assertEquals(List.of("tmpfs /sys/fs/cgroup", "cgroup /sys/fs/cgroup/pids", "cgroup /sys/fs/cgroup/devices",
                "cgroup /sys/fs/cgroup/memory", "cgroup /sys/fs/cgroup/cpuacct", "cgroup /sys/fs/cgroup/cpu", "cgroup2 /sys/fs/cgroup/unified"),
                hybrid.stream().map(m -> m.type() + " " + m.target()).toList());
        assertTrue(hybrid.get(3).options().endsWith(",memory"), hybrid.get(3).options());
        var legacy = dev.contain.runtime.cgroup.CgroupMounts.needed(resource("legacy.cgroup"));
        assertEquals(List.of("tmpfs /sys/fs/cgroup", "cgroup /sys/fs/cgroup/pids", "cgroup /sys/fs/cgroup/memory",
                "cgroup /sys/fs/cgroup/cpu,cpuacct"), legacy.stream().map(m -> m.type() + " " + m.target()).toList(),
                "co-mounted controllers are mounted together (alone, the kernel refuses them), name=systemd not at all");
        assertTrue(legacy.get(3).options().endsWith(",cpu,cpuacct"), legacy.get(3).options());
        var unified = dev.contain.runtime.cgroup.CgroupMounts.needed(resource("unified.cgroup"));
        assertEquals(List.of("cgroup2 /sys/fs/cgroup"), unified.stream().map(m -> m.type() + " " + m.target()).toList());
    }

    @Test
    void v2CpuQuotaFollowsThePeriodTheCgroupShows() throws Exception {
        FakeCgroupKernel k = v2Tree();
        CgroupPlan plan = new CgroupPlanner(v2Layout(), k).plan("web", new Limits(null, null, 150.0, 200, null), "/custom", false);
        Run run = run(plan, k);
        k.mkdirs(tmp.resolve("custom/web"));
        Files.writeString(tmp.resolve("custom/web/cpu.max"), "max 250000\n");
        new CgroupStage().apply(run);
        assertTrue(k.log.contains("write custom/web/cpu.max 375000 250000"), k.log.toString());
        assertTrue(k.log.contains("write custom/web/cpu.weight 200"), k.log.toString());
        assertEquals(List.of(), plan.sharedParents(), "a parent the user named is never removed");
        run.journal().undoAll(k);
    }

    @Test
    void v2MissingControllerIsAnErrorUnlessIgnored() throws Exception {
        FakeCgroupKernel k = v2Tree();
        Files.writeString(tmp.resolve("cgroup.controllers"), "cpu io pids\n");
        ContainerError e = assertThrows(ContainerError.class, () -> new CgroupPlanner(v2Layout(), k)
                .plan("web", new Limits(64L << 20, null, null, null, null), null, false));
        assertEquals("web: cgroup: the memory controller is not available in " + tmp.resolve("cgroup.controllers")
                + "; enable it (echo +memory > " + tmp.resolve("cgroup.subtree_control") + ") or run with --ignore-missing-limits",
                e.userMessage());
        CgroupPlan plan = new CgroupPlanner(v2Layout(), k).plan("web", new Limits(64L << 20, null, null, null, null), null, true);
        assertEquals(List.of(), plan.limits());
        assertEquals(1, plan.warnings().size());
    }

    private CgroupLayout v1Layout() throws IOException {
        for (String c : List.of("cpu", "cpuacct", "memory", "devices", "pids")) {
            Files.createDirectories(tmp.resolve(c));
        }
        return CgroupLayout.parse(resource("hybrid.mountinfo").replace("/sys/fs/cgroup", tmp.toString()), resource("hybrid.cgroup"));
    }

    @Test
    void v1CreatesOneGroupPerHierarchyUnderTheEnginesOwn() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        CgroupPlan plan = new CgroupPlanner(v1Layout(), k).plan("web", new Limits(64L << 20, null, 20.0, 100, 10L), null, false);
        Run run = run(plan, k);
        new CgroupStage().apply(run);
        String mem = "memory/process_api/b19fa31687b7fda5c5d454038b0f24c0/contain/web";
        assertTrue(k.log.contains("write " + mem + "/memory.limit_in_bytes 67108864"), k.log.toString());
        assertTrue(k.log.stream().noneMatch(l -> l.contains("memsw")), "without swap accounting there is no swap to limit: " + k.log);
        assertTrue(k.log.contains("write cpu/contain/web/cpu.cfs_quota_us 20000"), k.log.toString());
        assertTrue(k.log.contains("write cpu/contain/web/cpu.shares 2597"), k.log.toString());
        assertTrue(k.log.contains("write pids/contain/web/pids.max 10"), k.log.toString());
        // the devices list: emptied (a new group starts with its parent's), then only what /dev has
        assertEquals(List.of("write devices/contain/web/devices.deny a", "write devices/contain/web/devices.allow c *:* m",
                "write devices/contain/web/devices.allow b *:* m", "write devices/contain/web/devices.allow c 1:3 rwm",
                "write devices/contain/web/devices.allow c 1:5 rwm", "write devices/contain/web/devices.allow c 1:7 rwm",
                "write devices/contain/web/devices.allow c 1:8 rwm", "write devices/contain/web/devices.allow c 1:9 rwm",
                "write devices/contain/web/devices.allow c 5:0 rwm", "write devices/contain/web/devices.allow c 5:2 rwm",
                "write devices/contain/web/devices.allow c 136:* rwm"),
                k.log.stream().filter(l -> l.startsWith("write devices/")).toList());
        assertTrue(k.deviceFilters.isEmpty(), "v1 needs no BPF program");
        assertEquals(List.of("cpu", "cpuacct", "memory", "devices", "pids"), plan.selfJoinFiles().stream()
                .map(f -> tmp.relativize(f).getName(0).toString()).toList(), "v1: the process moves itself into every hierarchy");
        assertTrue(plan.selfJoinFiles().stream().allMatch(f -> f.getFileName().toString().equals("tasks")));
        assertEquals(null, plan.cloneInto());
        run.journal().undoAll(k);
        assertEquals(List.of("cpu", "cpuacct", "devices", "memory", "pids"), List.of(tmp.toFile().list()).stream().filter(n -> !n.equals("state")).sorted().toList());
        assertTrue(Files.notExists(tmp.resolve("cpu/contain")), "the shared parent goes with the last container");
    }

    /**
     * v1 has no cgroup.kill: the pids listed are killed one by one. The container's freezer folder goes first and is
     * frozen before its pids are read, so none of them can exit and be reused by another process before its kill.
     */
    @Test
    void v1RemovalFreezesFirstSoAListedPidIsStillItsProcessWhenKilled() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        Files.createDirectories(tmp.resolve("freezer"));
        // the freezer hierarchy first in the mount table: its folder is made first, yet must be undone first
        String mountinfo = "41 31 0:38 / " + tmp.resolve("freezer") + " rw,relatime - cgroup cgroup rw,freezer\n"
                + resource("hybrid.mountinfo").replace("/sys/fs/cgroup", tmp.toString());
        CgroupLayout layout = CgroupLayout.parse(mountinfo, resource("hybrid.cgroup") + "7:freezer:/\n");
        undoWithAProcessLeftIn(k, layout, List.of("cpu", "cpuacct", "memory", "devices", "pids"), "freezer", "freezer");
        assertEquals(List.of("write freezer/contain/web/freezer.state FROZEN", "kill 4242", "write freezer/contain/web/freezer.state THAWED",
                "rmdir freezer/contain/web"), k.log.subList(0, 4), "the freezer folder first, frozen before its pids are read: " + k.log);
        assertTrue(k.log.stream().skip(4).noneMatch(l -> l.startsWith("kill")), "the other folders are then empty: " + k.log);
    }

    /**
     * Makes web's folders in {@code hierarchies} (the first named for {@code firstController}), leaves process 4242
     * in its folder of {@code lingering}, a hierarchy with the freezer, and undoes the run's journal; the kernel's
     * calls are then in {@code k.log}.
     */
    private void undoWithAProcessLeftIn(FakeCgroupKernel k, CgroupLayout layout, List<String> hierarchies, String lingering, String firstController)
            throws Exception {
        for (String c : hierarchies) {
            Files.createDirectories(tmp.resolve(c));
        }
        CgroupPlan plan = new CgroupPlanner(layout, k).plan("web", new Limits(64L << 20, null, null, null, 10L), null, false);
        assertEquals(firstController, plan.dirs().get(0).controller(), plan.dirs().toString());
        Run run = run(plan, k);
        new CgroupStage().apply(run);
        Path dir = tmp.resolve(lingering + "/contain/web");
        Files.writeString(dir.resolve("freezer.state"), "THAWED\n");
        Files.writeString(dir.resolve("cgroup.procs"), "4242\n");
        k.log.clear();
        assertEquals(List.of(), run.journal().undoAll(k));
    }

    /** A freezer co-mounted with another controller (pids,freezer) names its folder for the first, yet is frozen first. */
    @Test
    void aCoMountedFreezerIsStillUndoneAndFrozenFirst() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        // first in the mount table, so its folder is made first, yet must be undone first
        String mountinfo = "39 31 0:36 / " + tmp.resolve("pids,freezer") + " rw,relatime - cgroup cgroup rw,pids,freezer\n"
                + resource("hybrid.mountinfo").replace("/sys/fs/cgroup", tmp.toString()).lines()
                        .filter(l -> !l.endsWith("rw,pids")).collect(java.util.stream.Collectors.joining("\n"));
        CgroupLayout layout = CgroupLayout.parse(mountinfo, resource("hybrid.cgroup").replace("8:pids:/", "8:pids,freezer:/"));
        undoWithAProcessLeftIn(k, layout, List.of("cpu", "cpuacct", "memory", "devices", "pids,freezer"), "pids,freezer", "pids");
        Path shared = tmp.resolve("pids,freezer/contain/web");
        assertEquals(List.of("write pids,freezer/contain/web/freezer.state FROZEN", "kill 4242"), k.log.subList(0, 2),
                "the folder with the freezer first, frozen before its pids are read: " + k.log);
        List<CgroupPlan.Dir> fromJournal = new dev.contain.runtime.cgroup.CgroupControl(layout, k).dirs(List.of(shared, tmp.resolve("memory/contain/web")));
        assertEquals(List.of(true, false), fromJournal.stream().map(CgroupPlan.Dir::freezer).toList(), "pause finds it from the journal too: " + fromJournal);
    }

    /** Whatever fails between the freeze and the kills, the folder is thawed: a killed task dies only once thawed. */
    @Test
    void aFailureAfterTheFreezeStillThaws() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        Path dir = tmp.resolve("freezer/contain/web");
        k.mkdirs(dir);
        Files.writeString(dir.resolve("freezer.state"), "THAWED\n");
        dev.contain.runtime.kernel.Kernel failing = (dev.contain.runtime.kernel.Kernel) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {dev.contain.runtime.kernel.Kernel.class}, (proxy, method, args) -> {
                    if (method.getName().equals("read") && args[0].toString().endsWith("cgroup.procs")) {
                        throw new IOException("injected: cannot read cgroup.procs");
                    }
                    try {
                        return method.invoke(k, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        k.log.clear();
        assertThrows(IOException.class, () -> dev.contain.runtime.cgroup.CgroupRemover.remove(failing, dir));
        assertEquals(List.of("write freezer/contain/web/freezer.state FROZEN", "write freezer/contain/web/freezer.state THAWED"), k.log);
    }

    @Test
    void removalKillsWhatIsLeftButNeverTheEngine() throws Exception {
        // a v1 cgroup.procs lists a process when any of its threads is there: whatever it lists, never the engine
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        Path dir = tmp.resolve("pids/contain/web");
        k.mkdirs(dir);
        Files.writeString(dir.resolve("cgroup.procs"), "4242\n" + ProcessHandle.current().pid() + "\n");
        dev.contain.runtime.cgroup.CgroupRemover.remove(k, dir);
        assertTrue(k.log.contains("kill 4242"), k.log.toString());
        assertTrue(k.log.stream().noneMatch(l -> l.equals("kill " + ProcessHandle.current().pid())), k.log.toString());
        assertTrue(Files.notExists(dir));
    }

    @Test
    void anExplicitSwapLimitWithoutSwapAccountingFails() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        CgroupPlan plan = new CgroupPlanner(v1Layout(), k).plan("web", new Limits(64L << 20, 32L << 20, null, null, null), null, false);
        Run run = run(plan, k);
        ContainerError e = assertThrows(ContainerError.class, () -> new CgroupStage().apply(run));
        assertTrue(e.userMessage().endsWith("memory.memsw.limit_in_bytes: this kernel has no such file"), e.userMessage());
        run.journal().undoAll(k);
    }

    @Test
    void aLimitTheKernelRefusesFailsTheRunNamingControllerFileAndCause() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        k.failWrite("memory.limit_in_bytes", "Device or resource busy");
        CgroupPlan plan = new CgroupPlanner(v1Layout(), k).plan("web", new Limits(64L << 20, null, null, null, null), null, false);
        Run run = run(plan, k);
        ContainerError e = assertThrows(ContainerError.class, () -> new CgroupStage().apply(run));
        assertEquals("web: cgroup: cannot write " + tmp + "/memory/process_api/b19fa31687b7fda5c5d454038b0f24c0/contain/web/"
                + "memory.limit_in_bytes: Device or resource busy", e.userMessage());
        assertEquals(List.of(), run.journal().undoAll(k));
        assertTrue(Files.notExists(tmp.resolve("memory/process_api/b19fa31687b7fda5c5d454038b0f24c0/contain")), "nothing left");
    }

    @Test
    void cpuBelowTheKernelsMinimumQuotaIsRefused() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        CgroupPlan plan = new CgroupPlanner(v1Layout(), k).plan("web", new Limits(null, null, 1.0, null, null), null, false);
        Run run = run(plan, k);
        Files.createDirectories(tmp.resolve("cpu/contain/web"));
        Files.writeString(tmp.resolve("cpu/contain/web/cpu.cfs_period_us"), "50000\n");
        Files.writeString(tmp.resolve("cpu/contain/web/cpu.cfs_quota_us"), "-1\n");
        ContainerError e = assertThrows(ContainerError.class, () -> new CgroupStage().apply(run));
        assertEquals("web: cgroup: cpu 1% gives a quota of 500 us per 50000 us period, below the kernel's minimum of 1 ms", e.userMessage());
        run.journal().undoAll(k);
    }

    @Test
    void reportReadsOomKillsFromV2Events() throws Exception {
        FakeCgroupKernel k = v2Tree();
        CgroupPlan plan = new CgroupPlanner(v2Layout(), k).plan("web", new Limits(64L << 20, null, null, null, null), null, false);
        Run run = run(plan, k);
        new CgroupStage().apply(run);
        Files.writeString(plan.dir("memory").resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
        assertEquals(1, CgroupReport.read(k, plan).oomKills());
        run.journal().undoAll(k);
    }

    @Test
    void whatCannotBeUndoneStaysInTheJournalForGc() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        Path state = Files.createDirectories(tmp.resolve("run/web"));
        dev.contain.runtime.stage.Journal journal = dev.contain.runtime.stage.Journal.create(state);
        Path stuck = Files.createDirectories(tmp.resolve("stuck"));
        Path fine = Files.createDirectories(tmp.resolve("fine"));
        journal.record(new dev.contain.runtime.stage.Undo.Tree(state));
        journal.record(new dev.contain.runtime.stage.Undo.Tree(stuck));
        journal.record(new dev.contain.runtime.stage.Undo.Tree(fine));
        k.failDelete(stuck);
        List<String> failures = journal.undoAll(k);
        assertEquals(1, failures.size(), failures.toString());
        assertTrue(Files.notExists(fine));
        assertEquals("tree\t" + state + "\ntree\t" + stuck + "\n", Files.readString(state.resolve("journal")),
                "the state folder stays, with what gc must retry");
        var gc = new dev.contain.runtime.engine.Gc(EngineConfig.of(tmp, tmp.resolve("run")), k);
        assertEquals(1, gc.run().get(0).failures().size());
        assertTrue(Files.exists(state.resolve("journal")), "gc keeps what it could not undo either");
        k.failDelete(null);
        assertEquals(List.of(), gc.run().get(0).failures());
        assertTrue(Files.notExists(stuck) && Files.notExists(state));
    }

    /** v1 cpuset: new folders start with no cpus and no mems (no task may join): each gets its parent's, then what was asked. */
    @Test
    void v1CpusetFillsTheSharedParentAndWritesTheAskedCpus() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        Files.createDirectories(tmp.resolve("cpuset"));
        Files.writeString(tmp.resolve("cpuset/cpuset.cpus"), "0-1\n");
        Files.writeString(tmp.resolve("cpuset/cpuset.mems"), "0\n");
        CgroupLayout layout = CgroupLayout.parse("37 31 0:34 / " + tmp.resolve("cpuset") + " rw - cgroup cgroup rw,cpuset\n"
                + "39 31 0:36 / " + tmp.resolve("pids") + " rw - cgroup cgroup rw,pids\n", "8:pids:/\n3:cpuset:/\n");
        CgroupPlan none = new CgroupPlanner(layout, k).plan("web", new Limits(null, null, null, null, 5L), null, false);
        assertEquals(List.of("pids"), none.dirs().stream().map(CgroupPlan.Dir::controller).toList(), "no cpuset asked: no cpuset folder");
        CgroupPlan plan = new CgroupPlanner(layout, k).plan("web", new Limits(null, null, null, null, null, "1", null), null, false);
        Run run = run(plan, k);
        new CgroupStage().apply(run);
        assertEquals(List.of("write cpuset/contain/cpuset.cpus 0-1", "write cpuset/contain/cpuset.mems 0",
                "write cpuset/contain/web/cpuset.cpus 1", "write cpuset/contain/web/cpuset.mems 0"),
                k.log.stream().filter(l -> l.startsWith("write cpuset")).toList());
        assertTrue(plan.selfJoinFiles().contains(tmp.resolve("cpuset/contain/web/tasks")));
        // update: only the file asked for
        assertEquals(List.of(tmp.resolve("cpuset/contain/web/cpuset.mems")), new CgroupPlanner(layout, k)
                .updates("web", plan.dirs(), new Limits(null, null, null, null, null, null, "0")).stream().map(CgroupPlan.Write::file).toList());
        run.journal().undoAll(k);
        assertTrue(Files.notExists(tmp.resolve("cpuset/contain")), "the shared parent goes with the last container");
        CgroupLayout noCpuset = CgroupLayout.parse("39 31 0:36 / " + tmp.resolve("pids") + " rw - cgroup cgroup rw,pids\n", "8:pids:/\n");
        ContainerError e = assertThrows(ContainerError.class, () -> new CgroupPlanner(noCpuset, k)
                .plan("web", new Limits(null, null, null, null, null, "1", null), null, false));
        assertTrue(e.userMessage().startsWith("web: cgroup: the cpuset controller is not mounted"), e.userMessage());
    }

    /** A CFS period of its own is written before the quota, which is a share of it; v1 takes exact shares. */
    @Test
    void aPeriodIsWrittenBeforeTheQuotaAndV1SharesAreExact() throws Exception {
        FakeCgroupKernel k = new FakeCgroupKernel(tmp, true);
        Limits l = new Limits(null, null, 20.0, 39, null, null, null, 1024L, 50_000L);
        Run run = run(new CgroupPlanner(v1Layout(), k).plan("web", l, null, false), k);
        new CgroupStage().apply(run);
        assertEquals(List.of("write cpu/contain/web/cpu.cfs_period_us 50000", "write cpu/contain/web/cpu.cfs_quota_us 10000",
                "write cpu/contain/web/cpu.shares 1024"), k.log.stream().filter(w -> w.startsWith("write cpu/")).toList());
        run.journal().undoAll(k);
        FakeCgroupKernel k2 = v2Tree();
        Run run2 = run(new CgroupPlanner(v2Layout(), k2).plan("web", l, null, false), k2);
        new CgroupStage().apply(run2);
        assertEquals(List.of("write user.slice/user-1000.slice/contain/web/cpu.max max 50000",
                "write user.slice/user-1000.slice/contain/web/cpu.max 10000 50000", "write user.slice/user-1000.slice/contain/web/cpu.weight 39"),
                k2.log.stream().filter(w -> w.contains("/cpu.")).toList());
        run2.journal().undoAll(k2);
    }
}
