package dev.contain.runtime.cgroup;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.spec.Percent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resources to cgroup folders and file writes, for v1 (runc's fs, youki's libcgroups v1) or v2 (fs2).
 * CPU percent p of one CPU: v2 {@code cpu.max} = "p/100*period period"; v1 {@code cpu.cfs_quota_us} =
 * p/100 * {@code cpu.cfs_period_us}. Reads the parents' files; writes nothing.
 */
public final class CgroupPlanner {
    public static final String DEFAULT_PARENT = "contain";
    /** The kernel's minimum CFS quota. */
    public static final long MIN_QUOTA_US = 1000;
    private static final long DEFAULT_PERIOD_US = 100_000;

    private final CgroupLayout layout;
    private final Kernel kernel;
    private final Path sysDevBlock;

    /** The layout this plans for (its mount table serves the plan's other questions). */
    public CgroupLayout layout() {
        return layout;
    }

    public CgroupPlanner(CgroupLayout layout, Kernel kernel) {
        this(layout, kernel, Path.of("/sys/dev/block"));
    }

    /** {@code sysDevBlock}: where the block devices are described by major:minor (sysfs; a test's own folder). */
    public CgroupPlanner(CgroupLayout layout, Kernel kernel, Path sysDevBlock) {
        this.layout = layout;
        this.kernel = kernel;
        this.sysDevBlock = sysDevBlock;
    }

    public CgroupPlan plan(String name, Limits r, String cgroupParent, boolean ignoreMissing) throws ContainerError {
        return plan(name, name, r, cgroupParent, ignoreMissing);
    }

    /** {@code leaf}: the container's folder name under its parent (an OCI cgroupsPath's last part), not its name. */
    public CgroupPlan plan(String name, String leaf, Limits r, String cgroupParent, boolean ignoreMissing) throws ContainerError {
        if (layout.mode() == CgroupLayout.Mode.NONE) {
            String why = "no cgroup filesystem is mounted here (/proc/self/mountinfo lists none, as under `ip netns exec`)";
            if (r.any() && !ignoreMissing) {
                throw new ContainerError(name, "cgroup", why + "; a run mounts them in this mount namespace, a dry run does not; "
                        + "or run with --ignore-missing-limits");
            }
            return new CgroupPlan(false, List.of(), List.of(), List.of(), List.of(),
                    r.any() ? List.of(why + "; running without limits (--ignore-missing-limits)") : List.of(), null, List.of());
        }
        return layout.usesV2() ? v2(name, leaf, r, cgroupParent, ignoreMissing) : v1(name, leaf, r, cgroupParent, ignoreMissing);
    }

    /** The folder in the hierarchy mounted at {@code mountPoint} has the freezer too (cpu,freezer). */
    private static void markFreezer(List<CgroupPlan.Dir> dirs, Path mountPoint) {
        dirs.replaceAll(d -> d.path().startsWith(mountPoint) ? new CgroupPlan.Dir(d.controller(), d.path(), true) : d);
    }

    private CgroupPlan v1(String name, String leaf, Limits r, String cgroupParent, boolean ignoreMissing) throws ContainerError {
        List<CgroupPlan.Dir> dirs = new ArrayList<>();
        Set<Path> parents = new LinkedHashSet<>();
        Set<Path> mountPoints = new LinkedHashSet<>();
        for (var e : layout.v1().entrySet()) {
            if (!hasFolder(e.getKey(), r)) {
                continue; // e.g. a cpuset folder starts empty (no cpus, no task may join): made only when asked for
            }
            if (!mountPoints.add(e.getValue().mountPoint())) { // co-mounted controllers (cpu,cpuacct) share one folder
                if (e.getKey().equals("freezer")) {
                    markFreezer(dirs, e.getValue().mountPoint());
                }
                continue;
            }
            Path parent = parentDir(e.getValue(), cgroupParent, false);
            if (cgroupParent == null) {
                parents.add(parent);
            }
            dirs.add(new CgroupPlan.Dir(e.getKey(), parent.resolve(leaf)));
        }
        List<String> warnings = new ArrayList<>();
        Map<String, Path> folders = new LinkedHashMap<>();
        for (String c : LIMITED) {
            Path parent = require(name, c, needs(c, r), cgroupParent, ignoreMissing, warnings);
            if (parent != null && hasFolder(c, r)) {
                folders.put(c, parent);
            }
        }
        List<CgroupPlan.Write> writes = new ArrayList<>();
        if (folders.containsKey("cpuset")) {
            r = cpusetAncestors(layout.v1().get("cpuset").mountPoint(), folders.get("cpuset"), r, writes);
        }
        folders.replaceAll((c, parent) -> parent.resolve(leaf));
        writes.addAll(v1Writes(name, folders, r, false));
        return new CgroupPlan(false, dirs, List.copyOf(parents), List.of(), writes, warnings,
                folders.containsKey("memory") ? r.memoryBytes() : null, layout.v1().containsKey("devices") ? DeviceRule.DEFAULT : List.of());
    }

    /** The v1 controllers whose limits the planner writes. */
    private static final List<String> LIMITED = List.of("memory", "cpu", "pids", "cpuset", "blkio", "hugetlb");

    /** Whether {@code r} asks for a limit of {@code controller}. */
    private static boolean needs(String controller, Limits r) {
        return switch (controller) {
            case "memory" -> r.memory();
            case "cpu" -> r.cpu();
            case "pids" -> r.pids() != null;
            case "cpuset" -> r.cpuset();
            case "blkio", "io" -> r.blockIo().any();
            case "hugetlb" -> !r.hugepages().isEmpty();
            default -> false;
        };
    }

    /**
     * Whether the container gets a folder of {@code controller}: always for those it is accounted, limited and paused by;
     * cpuset (a new folder has no cpus: no task may join), blkio and hugetlb only when asked for.
     */
    private static boolean hasFolder(String controller, Limits r) {
        return !List.of("cpuset", "blkio", "hugetlb").contains(controller) || needs(controller, r);
    }

    /**
     * v1 cpuset: a new folder's cpuset.cpus and cpuset.mems are empty, and no task may join it until both are set.
     * Each folder from the hierarchy's root down to the container's parent that has them empty (or does not exist
     * yet: the stage makes it) gets its parent's values; the container's own folder gets what was asked, else its
     * parent's. Returns the limits with both filled in; adds the ancestors' writes.
     */
    private Limits cpusetAncestors(Path mountPoint, Path parent, Limits r, List<CgroupPlan.Write> writes) {
        String cpus = first(words(mountPoint.resolve("cpuset.cpus")));
        String mems = first(words(mountPoint.resolve("cpuset.mems")));
        Path at = mountPoint;
        for (Path part : mountPoint.relativize(parent)) {
            at = at.resolve(part);
            String ownCpus = first(words(at.resolve("cpuset.cpus")));
            String ownMems = first(words(at.resolve("cpuset.mems")));
            if (ownCpus == null) {
                writes.add(new CgroupPlan.Write(at.resolve("cpuset.cpus"), cpus, "cpuset", false));
            } else {
                cpus = ownCpus;
            }
            if (ownMems == null) {
                writes.add(new CgroupPlan.Write(at.resolve("cpuset.mems"), mems, "cpuset", false));
            } else {
                mems = ownMems;
            }
        }
        return r.withCpuset(r.cpus() != null ? r.cpus() : cpus, r.mems() != null ? r.mems() : mems);
    }

    private static String first(List<String> words) {
        return words.isEmpty() ? null : words.get(0);
    }

    /**
     * v1: the limits' writes into the container's folders, by controller (absent: not mounted or not asked for, its
     * limits skipped). {@link Limits#UNLIMITED} removes a limit: -1 (pids: "max"). Raising the memory limit, or removing
     * the swap limit, writes memory.memsw.limit_in_bytes first: it may never be below memory.limit_in_bytes.
     */
    private List<CgroupPlan.Write> v1Writes(String name, Map<String, Path> dirs, Limits r, boolean raisingMemory) throws ContainerError {
        List<CgroupPlan.Write> writes = new ArrayList<>();
        Path memory = dirs.get("memory");
        if (memory != null && r.memory()) {
            // memsw exists only with swap accounting; without it, asking for a swap limit is an error (removing one is not)
            boolean noSwapLimit = unlimited(r.swapBytes()) || unlimited(r.memoryBytes()) && r.swapBytes() == null;
            Path memswFile = memory.resolve("memory.memsw.limit_in_bytes");
            CgroupPlan.Write memsw = noSwapLimit ? new CgroupPlan.Write(memswFile, "-1", "memory", true)
                    : r.memoryBytes() == null ? null
                    : new CgroupPlan.Write(memswFile, Long.toString(r.memoryBytes() + (r.swapBytes() == null ? 0 : r.swapBytes())), "memory", r.swapBytes() == null);
            CgroupPlan.Write limit = r.memoryBytes() == null ? null
                    : new CgroupPlan.Write(memory.resolve("memory.limit_in_bytes"), Long.toString(r.memoryBytes()), "memory", false);
            boolean memswFirst = raisingMemory || noSwapLimit;
            for (CgroupPlan.Write w : memswFirst ? new CgroupPlan.Write[] {memsw, limit} : new CgroupPlan.Write[] {limit, memsw}) {
                if (w != null) {
                    writes.add(w);
                }
            }
        }
        MemoryTuning t = r.memoryTuning();
        if (memory != null && t.any()) {
            add(writes, memory.resolve("memory.soft_limit_in_bytes"), t.reservationBytes());
            add(writes, memory.resolve("memory.swappiness"), t.swappiness());
            add(writes, memory.resolve("memory.oom_control"), t.disableOomKiller() == null ? null : t.disableOomKiller() ? 1 : 0);
            add(writes, memory.resolve("memory.kmem.tcp.limit_in_bytes"), t.kernelTcpBytes());
        }
        Path cpu = dirs.get("cpu");
        if (cpu != null && r.cpuPeriodUs() != null) { // first: the quota is a share of it
            writes.add(new CgroupPlan.Write(cpu.resolve("cpu.cfs_period_us"), Long.toString(r.cpuPeriodUs()), "cpu", false));
        }
        if (cpu != null && r.cpuPercent() != null) {
            writes.add(r.cpuPercent() == Limits.UNLIMITED_CPU ? new CgroupPlan.Write(cpu.resolve("cpu.cfs_quota_us"), "-1", "cpu", false)
                    : CgroupPlan.Write.cpuQuota(cpu.resolve("cpu.cfs_quota_us"), r.cpuPercent(), cpu.resolve("cpu.cfs_period_us")));
        }
        if (cpu != null && (r.cpuWeight() != null || r.cpuShares() != null)) {
            long shares = r.cpuShares() != null ? r.cpuShares() : sharesOf(r.cpuWeight());
            writes.add(new CgroupPlan.Write(cpu.resolve("cpu.shares"), Long.toString(shares), "cpu", false));
        }
        pidsWrite(dirs.get("pids"), r, writes);
        if (dirs.get("cpuset") != null) {
            cpusetWrites(dirs.get("cpuset"), r, writes);
        }
        if (dirs.get("blkio") != null && r.blockIo().any()) {
            BlkioFiles files = BlkioFiles.v1(layout.v1().get("blkio").mountPoint(), kernel);
            checkBlockIo(name, files, r.blockIo());
            writes.addAll(files.writes(dirs.get("blkio"), r.blockIo()));
        }
        if (dirs.get("hugetlb") != null) {
            for (HugepageLimit h : r.hugepages()) {
                writes.add(new CgroupPlan.Write(dirs.get("hugetlb").resolve("hugetlb." + h.pageSize() + ".limit_in_bytes"), Long.toString(h.bytes()), "hugetlb", false));
            }
        }
        return writes;
    }

    /** A write of a memory setting's number, when given. */
    private static void add(List<CgroupPlan.Write> writes, Path file, Number value) {
        if (value != null) {
            writes.add(new CgroupPlan.Write(file, value.toString(), "memory", false));
        }
    }

    private static boolean unlimited(Long v) {
        return v != null && v == Limits.UNLIMITED;
    }

    private static void pidsWrite(Path dir, Limits r, List<CgroupPlan.Write> writes) {
        if (dir != null && r.pids() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("pids.max"), unlimited(r.pids()) ? "max" : Long.toString(r.pids()), "pids", false));
        }
    }

    /** The planner's last word on block I/O weights a front end did not check with {@link #missing}. */
    private static void checkBlockIo(String name, BlkioFiles files, BlockIo b) throws ContainerError {
        for (CgroupFeature f : CgroupFeature.values()) {
            if (b.asks(f) && files.missing(f) != null) {
                throw new ContainerError(name, "cgroup", "block I/O (" + f + "): " + files.missing(f));
            }
        }
    }

    /** cpuset.cpus and cpuset.mems where given (the same files on v1 and v2). */
    private static void cpusetWrites(Path dir, Limits r, List<CgroupPlan.Write> writes) {
        if (r.cpus() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("cpuset.cpus"), r.cpus(), "cpuset", false));
        }
        if (r.mems() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("cpuset.mems"), r.mems(), "cpuset", false));
        }
    }

    /**
     * v2: the limits' writes into the container's folder, for the controllers it has. {@link Limits#UNLIMITED} removes a
     * limit ("max"; a memory limit removed takes the swap limit with it, as on v1). A period alone keeps the quota the
     * folder has (none for a new one).
     */
    private List<CgroupPlan.Write> v2Writes(String name, Path dir, List<String> usable, Limits r) throws ContainerError {
        List<CgroupPlan.Write> writes = new ArrayList<>();
        if (usable.contains("memory") && r.memoryBytes() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("memory.max"), unlimited(r.memoryBytes()) ? "max" : Long.toString(r.memoryBytes()), "memory", false));
        }
        if (usable.contains("memory") && (r.memoryBytes() != null || r.swapBytes() != null)) {
            boolean noSwapLimit = unlimited(r.swapBytes()) || unlimited(r.memoryBytes()) && r.swapBytes() == null;
            writes.add(new CgroupPlan.Write(dir.resolve("memory.swap.max"), noSwapLimit ? "max" : Long.toString(r.swapBytes() == null ? 0 : r.swapBytes()),
                    "memory", r.swapBytes() == null || noSwapLimit));
        }
        if (usable.contains("memory")) {
            for (CgroupFeature f : CgroupFeature.values()) {
                if (r.memoryTuning().asks(f)) {
                    throw new ContainerError(name, "cgroup", "memory (" + f + "): " + missing(f));
                }
            }
            add(writes, dir.resolve("memory.low"), r.memoryTuning().reservationBytes());
        }
        if (usable.contains("cpu") && r.cpuPeriodUs() != null) { // first: the quota is a share of it
            List<String> now = words(dir.resolve("cpu.max"));
            String quota = now.isEmpty() || r.cpuPercent() != null && r.cpuPercent() == Limits.UNLIMITED_CPU ? "max" : now.get(0);
            writes.add(new CgroupPlan.Write(dir.resolve("cpu.max"), quota + " " + r.cpuPeriodUs(), "cpu", false));
        }
        if (usable.contains("cpu") && r.cpuPercent() != null) {
            if (r.cpuPercent() == Limits.UNLIMITED_CPU) {
                if (r.cpuPeriodUs() == null) {
                    writes.add(new CgroupPlan.Write(dir.resolve("cpu.max"), "max", "cpu", false)); // the period stays
                }
            } else {
                writes.add(CgroupPlan.Write.cpuQuota(dir.resolve("cpu.max"), r.cpuPercent(), dir.resolve("cpu.max")));
            }
        }
        if (usable.contains("cpu") && r.cpuWeight() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("cpu.weight"), Integer.toString(r.cpuWeight()), "cpu", false));
        }
        pidsWrite(usable.contains("pids") ? dir : null, r, writes);
        if (usable.contains("cpuset")) {
            cpusetWrites(dir, r, writes);
        }
        if (usable.contains("io")) {
            BlkioFiles files = BlkioFiles.v2(layout.v2().mountPoint(), layout.v2().engineDir(), kernel);
            checkBlockIo(name, files, r.blockIo());
            writes.addAll(files.writes(dir, r.blockIo()));
        }
        if (usable.contains("hugetlb")) {
            for (HugepageLimit h : r.hugepages()) {
                writes.add(new CgroupPlan.Write(dir.resolve("hugetlb." + h.pageSize() + ".max"), Long.toString(h.bytes()), "hugetlb", false));
            }
        }
        return writes;
    }

    /**
     * A running container's new limits (OCI update): the writes into its existing folders for the limits given (a
     * null one stays as it is; a memory limit without swap allows none, as at creation). A limit whose controller the
     * container has no folder of is an error naming it.
     */
    public List<CgroupPlan.Write> updates(String name, List<CgroupPlan.Dir> dirs, Limits r) throws ContainerError {
        if (dirs.isEmpty()) {
            throw new ContainerError(name, "update", "the container has no cgroup");
        }
        if (dirs.get(0).controller().equals("cgroup2")) {
            Path dir = dirs.get(0).path();
            List<String> have = words(dir.resolve("cgroup.controllers"));
            List<String> needed = neededV2(r);
            for (String c : needed) {
                if (!have.contains(c)) {
                    throw new ContainerError(name, "update", "the " + c + " controller is not enabled in " + dir + " (it had no such limit at creation)");
                }
            }
            return v2Writes(name, dir, needed, r);
        }
        Map<String, Path> folders = new LinkedHashMap<>();
        for (String c : LIMITED) {
            Path p = updateDir(name, dirs, c, needs(c, r));
            if (p != null) {
                folders.put(c, p);
            }
        }
        boolean raising = false;
        if (folders.containsKey("memory") && r.memoryBytes() != null) {
            List<String> current = words(folders.get("memory").resolve("memory.limit_in_bytes"));
            raising = unlimited(r.memoryBytes()) || current.isEmpty() || parseLong(current.get(0), Long.MAX_VALUE) < r.memoryBytes();
        }
        return v1Writes(name, folders, r, raising);
    }

    /** The v2 controllers {@code r} needs. */
    private static List<String> neededV2(Limits r) {
        List<String> needed = new ArrayList<>();
        for (String c : List.of("memory", "cpu", "pids", "cpuset", "io", "hugetlb")) {
            if (needs(c, r)) {
                needed.add(c);
            }
        }
        return needed;
    }

    private static Path updateDir(String name, List<CgroupPlan.Dir> dirs, String controller, boolean needed) throws ContainerError {
        for (CgroupPlan.Dir d : dirs) {
            if (d.controller().equals(controller)) {
                return d.path();
            }
        }
        if (needed) {
            throw new ContainerError(name, "update", "the container has no " + controller + " cgroup ("
                    + (controller.equals("cpuset") ? "it asked for no cpuset when created"
                    : List.of("blkio", "hugetlb").contains(controller) ? "it asked for no " + controller + " limit when created"
                    : "the " + controller + " controller is not mounted") + ")");
        }
        return null;
    }

    /**
     * Why this machine cannot give a container {@code feature}, or null when it can (or when there are no cgroups at all,
     * which {@link #plan} reports). A front end asks before planning, to refuse the field by its name.
     */
    public String missing(CgroupFeature feature) {
        if (layout.mode() == CgroupLayout.Mode.NONE) {
            return null;
        }
        return switch (feature) {
            case NET_CLS, NET_PRIO -> {
                String c = feature == CgroupFeature.NET_CLS ? "net_cls" : "net_prio";
                yield layout.mountsV1(c) ? "the " + c + " controller is mounted here, but contain does not set it"
                        : "this machine has no " + c + " controller (no cgroup v1 hierarchy with it is mounted; cgroup v2 has none)";
            }
            case HUGETLB -> hugetlbMissing();
            case MEMORY_SWAPPINESS -> layout.usesV2() ? "cgroup v2 has no swappiness of a cgroup (the system's vm.swappiness applies)" : null;
            case MEMORY_OOM_KILL_DISABLE -> layout.usesV2() ? "cgroup v2 cannot turn the OOM killer off for a cgroup" : null;
            case MEMORY_KERNEL_TCP -> layout.usesV2() ? "cgroup v2 has no separate limit of TCP buffer memory (it counts in memory.max)" : null;
            default -> blkioMissing(feature);
        };
    }

    /**
     * Why block I/O limits cannot name the device {@code major:minor}, or null: the kernel takes whole disks only, and
     * BFQ's per-device weights ({@code weight}) only for a disk whose scheduler is BFQ.
     */
    public String deviceMissing(long major, long minor, boolean weight) {
        Path dev = sysDevBlock.resolve(major + ":" + minor);
        if (!kernel.exists(dev)) {
            return "there is no block device " + major + ":" + minor + " (no " + dev + ")";
        }
        if (kernel.exists(dev.resolve("partition"))) {
            return major + ":" + minor + " is a partition; the kernel limits whole disks only";
        }
        if (!weight || layout.mode() == CgroupLayout.Mode.NONE || blkioMissing(CgroupFeature.BLKIO_WEIGHT_DEVICE) != null) {
            return null;
        }
        BlkioFiles files = layout.usesV2() ? BlkioFiles.v2(layout.v2().mountPoint(), layout.v2().engineDir(), kernel)
                : BlkioFiles.v1(layout.v1().get("blkio").mountPoint(), kernel);
        if (!files.deviceWeight().contains("bfq")) {
            return null;
        }
        List<String> scheduler = words(dev.resolve("queue/scheduler"));
        return scheduler.contains("[bfq]") ? null : "device " + major + ":" + minor + " does not use the BFQ scheduler, the one with per-device "
                + "weights here (" + dev.resolve("queue/scheduler") + ": " + String.join(" ", scheduler) + ")";
    }

    private String blkioMissing(CgroupFeature feature) {
        if (layout.usesV2()) {
            Path controllers = layout.v2().mountPoint().resolve("cgroup.controllers");
            return !words(controllers).contains("io") ? "the io controller is not available in " + controllers
                    : BlkioFiles.v2(layout.v2().mountPoint(), layout.v2().engineDir(), kernel).missing(feature);
        }
        CgroupLayout.Hierarchy h = layout.v1().get("blkio");
        return h == null ? "the blkio controller is not mounted (no cgroup v1 hierarchy with it in /proc/self/mountinfo)"
                : BlkioFiles.v1(h.mountPoint(), kernel).missing(feature);
    }

    /**
     * hugetlb: a v1 hierarchy, or v2's controller on a unified machine. On a hybrid one (v1 for the controllers) whose
     * hugetlb is only in the v2 tree, contain's containers have no folder there, and the root's subtree_control is the
     * host's: contain never writes it.
     */
    private String hugetlbMissing() {
        if (layout.v1().containsKey("hugetlb")) {
            return null;
        }
        if (layout.v2() == null) {
            return "this machine has no hugetlb controller (no cgroup v1 hierarchy with it is mounted)";
        }
        Path root = layout.v2().mountPoint();
        boolean inV2 = words(root.resolve("cgroup.controllers")).contains("hugetlb");
        if (layout.usesV2()) {
            return inV2 ? null : "the hugetlb controller is not available in " + root.resolve("cgroup.controllers");
        }
        if (!inV2) {
            return "this machine has no hugetlb controller (no cgroup v1 hierarchy with it, none in " + root.resolve("cgroup.controllers") + ")";
        }
        return words(root.resolve("cgroup.subtree_control")).contains("hugetlb")
                ? "the hugetlb controller is only in this hybrid machine's cgroup v2 hierarchy (" + root + "), and contain keeps "
                        + "containers in the v1 hierarchies here"
                : "the hugetlb controller is only in this hybrid machine's cgroup v2 hierarchy (" + root.resolve("cgroup.controllers")
                        + " lists it) and is not enabled in its root's cgroup.subtree_control, which contain never writes (it did not create that hierarchy)";
    }

    /** The huge page sizes of this machine, as the hugetlb controller names them ("2MB", "1GB"), from /sys/kernel/mm/hugepages. */
    public List<String> hugepageSizes() {
        List<String> sizes = new ArrayList<>();
        try {
            for (Path p : kernel.list(Path.of("/sys/kernel/mm/hugepages"))) {
                String n = p.getFileName().toString(); // hugepages-2048kB
                if (n.startsWith("hugepages-") && n.endsWith("kB")) {
                    sizes.add(HugepageLimit.name(parseLong(n.substring(10, n.length() - 2), 0)));
                }
            }
        } catch (IOException e) {
            return sizes; // no huge pages: every size is refused
        }
        return sizes;
    }

    /**
     * The container's parent folder in the v1 hierarchy of {@code controller}, or null when that controller is
     * not mounted: an error when a limit needs it, unless the user chose to run without such limits.
     */
    private Path require(String name, String controller, boolean needed, String cgroupParent, boolean ignoreMissing,
                         List<String> warnings) throws ContainerError {
        CgroupLayout.Hierarchy h = layout.v1().get(controller);
        if (h == null && needed) {
            String why = "the " + controller + " controller is not mounted (no cgroup v1 hierarchy with it in /proc/self/mountinfo)";
            if (!ignoreMissing) {
                throw new ContainerError(name, "cgroup", why + "; mount it (mount -t cgroup -o " + controller + " cgroup /sys/fs/cgroup/"
                        + controller + ") or run with --ignore-missing-limits to run without this limit");
            }
            warnings.add(why + "; running without the " + controller + " limit (--ignore-missing-limits)");
        }
        return h == null ? null : parentDir(h, cgroupParent, false);
    }

    private CgroupPlan v2(String name, String leaf, Limits r, String cgroupParent, boolean ignoreMissing) throws ContainerError {
        CgroupLayout.Hierarchy h = layout.v2();
        Path parent = parentDir(h, cgroupParent, true);
        Path dir = parent.resolve(leaf);
        List<String> needed = neededV2(r);
        List<String> available = words(h.mountPoint().resolve("cgroup.controllers"));
        List<String> warnings = new ArrayList<>();
        List<String> usable = new ArrayList<>();
        for (String c : needed) {
            if (available.contains(c)) {
                usable.add(c);
            } else if (ignoreMissing) {
                warnings.add("the " + c + " controller is not available in " + h.mountPoint().resolve("cgroup.controllers")
                        + "; running without the " + c + " limit (--ignore-missing-limits)");
            } else {
                throw new ContainerError(name, "cgroup", "the " + c + " controller is not available in "
                        + h.mountPoint().resolve("cgroup.controllers") + "; enable it (echo +" + c + " > "
                        + h.mountPoint().resolve("cgroup.subtree_control") + ") or run with --ignore-missing-limits");
            }
        }
        // every folder from the root down to the container's parent must hand the controllers down
        List<CgroupPlan.Write> enables = new ArrayList<>();
        Path at = h.mountPoint();
        List<Path> chain = new ArrayList<>(List.of(at));
        for (Path part : h.mountPoint().relativize(parent)) {
            at = at.resolve(part);
            chain.add(at);
        }
        for (Path p : chain) {
            List<String> enabled = words(p.resolve("cgroup.subtree_control"));
            for (String c : usable) {
                if (!enabled.contains(c)) {
                    enables.add(new CgroupPlan.Write(p.resolve("cgroup.subtree_control"), "+" + c, c, false));
                }
            }
        }
        List<CgroupPlan.Write> writes = v2Writes(name, dir, usable, r);
        return new CgroupPlan(true, List.of(new CgroupPlan.Dir("cgroup2", dir)),
                cgroupParent == null ? List.of(parent) : List.of(), enables, writes, warnings,
                usable.contains("memory") ? r.memoryBytes() : null, DeviceRule.DEFAULT);
    }

    /**
     * Default parent: "contain" under the engine's own cgroup on v1, beside it on v2 (a v2 cgroup with
     * processes cannot hand controllers down). An absolute cgroupParent is from the hierarchy's root; a
     * relative one is placed like the default.
     */
    private static Path parentDir(CgroupLayout.Hierarchy h, String cgroupParent, boolean v2) {
        String p = cgroupParent == null ? DEFAULT_PARENT : cgroupParent;
        if (p.startsWith("/")) {
            return h.mountPoint().resolve(p.substring(1)).normalize();
        }
        Path engine = h.engineDir();
        Path base = v2 && !engine.equals(h.mountPoint()) ? engine.getParent() : engine;
        return base.resolve(p).normalize();
    }

    /** The text to write for a CPU quota, from the period the new cgroup shows. */
    public static String quotaValue(String name, CgroupPlan.Write w, String periodFileText) throws ContainerError {
        String[] f = periodFileText.trim().split("\\s+");
        long period = parseLong(f[f.length - 1], DEFAULT_PERIOD_US); // v1: "100000"; v2 cpu.max: "max 100000"
        long quota = quota(name, w.cpuPercent(), period);
        return w.file().equals(w.periodFile()) ? quota + " " + period : Long.toString(quota);
    }

    static long quota(String name, double percent, long periodUs) throws ContainerError {
        long quota = Math.round(percent / 100.0 * periodUs);
        if (quota < MIN_QUOTA_US) {
            throw new ContainerError(name, "cgroup", "cpu " + Percent.format(percent) + " gives a quota of " + quota
                    + " us per " + periodUs + " us period, below the kernel's minimum of 1 ms");
        }
        return quota;
    }

    /** cgroup v2 weight [1, 10000] to v1 shares [2, 262144], as runc and crun convert them. */
    static long sharesOf(int weight) {
        return 2 + ((long) (weight - 1) * 262142) / 9999;
    }

    private List<String> words(Path file) {
        try {
            String text = kernel.read(file).trim();
            return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long parseLong(String s, long fallback) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
