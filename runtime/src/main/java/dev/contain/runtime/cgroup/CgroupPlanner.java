package dev.contain.runtime.cgroup;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.spec.Percent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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

    /** The layout this plans for (its mount table serves the plan's other questions). */
    public CgroupLayout layout() {
        return layout;
    }

    public CgroupPlanner(CgroupLayout layout, Kernel kernel) {
        this.layout = layout;
        this.kernel = kernel;
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

    private CgroupPlan v1(String name, String leaf, Limits r, String cgroupParent, boolean ignoreMissing) throws ContainerError {
        List<CgroupPlan.Dir> dirs = new ArrayList<>();
        Set<Path> parents = new LinkedHashSet<>();
        Set<Path> mountPoints = new LinkedHashSet<>();
        for (var e : layout.v1().entrySet()) {
            if (e.getKey().equals("cpuset") && !r.cpuset()) {
                continue; // a cpuset folder starts empty (no cpus, no task may join): made only when asked for
            }
            if (!mountPoints.add(e.getValue().mountPoint())) {
                continue; // co-mounted controllers (cpu,cpuacct) share one folder
            }
            Path parent = parentDir(e.getValue(), cgroupParent, false);
            if (cgroupParent == null) {
                parents.add(parent);
            }
            dirs.add(new CgroupPlan.Dir(e.getKey(), parent.resolve(leaf)));
        }
        List<String> warnings = new ArrayList<>();
        Path memory = require(name, "memory", r.memoryBytes() != null || r.swapBytes() != null, cgroupParent, ignoreMissing, warnings);
        Path cpu = require(name, "cpu", r.cpu(), cgroupParent, ignoreMissing, warnings);
        Path pids = require(name, "pids", r.pids() != null, cgroupParent, ignoreMissing, warnings);
        Path cpuset = require(name, "cpuset", r.cpuset(), cgroupParent, ignoreMissing, warnings);
        List<CgroupPlan.Write> writes = new ArrayList<>();
        if (cpuset != null && r.cpuset()) {
            r = cpusetAncestors(layout.v1().get("cpuset").mountPoint(), cpuset, r, writes);
        }
        writes.addAll(v1Writes(memory == null ? null : memory.resolve(leaf), cpu == null ? null : cpu.resolve(leaf),
                pids == null ? null : pids.resolve(leaf), cpuset == null || !r.cpuset() ? null : cpuset.resolve(leaf), r, false));
        return new CgroupPlan(false, dirs, List.copyOf(parents), List.of(), writes, warnings,
                memory != null ? r.memoryBytes() : null, layout.v1().containsKey("devices") ? DeviceRule.DEFAULT : List.of());
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

    /** v1: the limits' writes into the container's folders of each controller (null: not mounted, its limits skipped). */
    private static List<CgroupPlan.Write> v1Writes(Path memory, Path cpu, Path pids, Path cpuset, Limits r, boolean raisingMemory) {
        List<CgroupPlan.Write> writes = new ArrayList<>();
        if (memory != null && r.memoryBytes() != null) {
            long swap = r.swapBytes() == null ? 0 : r.swapBytes();
            // memsw exists only with swap accounting; without it, asking for a swap limit is an error. It may never be
            // below the memory limit: a raise writes it first
            CgroupPlan.Write limit = new CgroupPlan.Write(memory.resolve("memory.limit_in_bytes"), Long.toString(r.memoryBytes()), "memory", false);
            CgroupPlan.Write memsw = new CgroupPlan.Write(memory.resolve("memory.memsw.limit_in_bytes"), Long.toString(r.memoryBytes() + swap),
                    "memory", r.swapBytes() == null);
            writes.addAll(raisingMemory ? List.of(memsw, limit) : List.of(limit, memsw));
        }
        if (cpu != null && r.cpuPeriodUs() != null) { // first: the quota is a share of it
            writes.add(new CgroupPlan.Write(cpu.resolve("cpu.cfs_period_us"), Long.toString(r.cpuPeriodUs()), "cpu", false));
        }
        if (cpu != null && r.cpuPercent() != null) {
            writes.add(CgroupPlan.Write.cpuQuota(cpu.resolve("cpu.cfs_quota_us"), r.cpuPercent(), cpu.resolve("cpu.cfs_period_us")));
        }
        if (cpu != null && (r.cpuWeight() != null || r.cpuShares() != null)) {
            long shares = r.cpuShares() != null ? r.cpuShares() : sharesOf(r.cpuWeight());
            writes.add(new CgroupPlan.Write(cpu.resolve("cpu.shares"), Long.toString(shares), "cpu", false));
        }
        if (pids != null && r.pids() != null) {
            writes.add(new CgroupPlan.Write(pids.resolve("pids.max"), Long.toString(r.pids()), "pids", false));
        }
        if (cpuset != null) {
            cpusetWrites(cpuset, r, writes);
        }
        return writes;
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

    /** v2: the limits' writes into the container's folder, for the controllers it has. */
    private static List<CgroupPlan.Write> v2Writes(Path dir, List<String> usable, Limits r) {
        List<CgroupPlan.Write> writes = new ArrayList<>();
        if (usable.contains("memory") && r.memoryBytes() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("memory.max"), Long.toString(r.memoryBytes()), "memory", false));
            long swap = r.swapBytes() == null ? 0 : r.swapBytes();
            writes.add(new CgroupPlan.Write(dir.resolve("memory.swap.max"), Long.toString(swap), "memory", r.swapBytes() == null));
        }
        if (usable.contains("cpu") && r.cpuPeriodUs() != null) { // first: the quota is a share of it
            writes.add(new CgroupPlan.Write(dir.resolve("cpu.max"), "max " + r.cpuPeriodUs(), "cpu", false));
        }
        if (usable.contains("cpu") && r.cpuPercent() != null) {
            writes.add(CgroupPlan.Write.cpuQuota(dir.resolve("cpu.max"), r.cpuPercent(), dir.resolve("cpu.max")));
        }
        if (usable.contains("cpu") && r.cpuWeight() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("cpu.weight"), Integer.toString(r.cpuWeight()), "cpu", false));
        }
        if (usable.contains("pids") && r.pids() != null) {
            writes.add(new CgroupPlan.Write(dir.resolve("pids.max"), Long.toString(r.pids()), "pids", false));
        }
        if (usable.contains("cpuset")) {
            cpusetWrites(dir, r, writes);
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
            List<String> needed = new ArrayList<>();
            if (r.memoryBytes() != null || r.swapBytes() != null) needed.add("memory");
            if (r.cpu()) needed.add("cpu");
            if (r.pids() != null) needed.add("pids");
            if (r.cpuset()) needed.add("cpuset");
            for (String c : needed) {
                if (!have.contains(c)) {
                    throw new ContainerError(name, "update", "the " + c + " controller is not enabled in " + dir + " (it had no such limit at creation)");
                }
            }
            return v2Writes(dir, needed, r);
        }
        Path memory = updateDir(name, dirs, "memory", r.memoryBytes() != null || r.swapBytes() != null);
        Path cpu = updateDir(name, dirs, "cpu", r.cpu());
        Path pids = updateDir(name, dirs, "pids", r.pids() != null);
        Path cpuset = updateDir(name, dirs, "cpuset", r.cpuset());
        boolean raising = false;
        if (memory != null && r.memoryBytes() != null) {
            List<String> current = words(memory.resolve("memory.limit_in_bytes"));
            raising = current.isEmpty() || parseLong(current.get(0), Long.MAX_VALUE) < r.memoryBytes();
        }
        return v1Writes(memory, cpu, pids, cpuset, r, raising);
    }

    private static Path updateDir(String name, List<CgroupPlan.Dir> dirs, String controller, boolean needed) throws ContainerError {
        for (CgroupPlan.Dir d : dirs) {
            if (d.controller().equals(controller)) {
                return d.path();
            }
        }
        if (needed) {
            throw new ContainerError(name, "update", "the container has no " + controller + " cgroup ("
                    + (controller.equals("cpuset") ? "it asked for no cpuset when created" : "the " + controller + " controller is not mounted") + ")");
        }
        return null;
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
        List<String> needed = new ArrayList<>();
        if (r.memoryBytes() != null || r.swapBytes() != null) needed.add("memory");
        if (r.cpu()) needed.add("cpu");
        if (r.pids() != null) needed.add("pids");
        if (r.cpuset()) needed.add("cpuset");
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
        List<CgroupPlan.Write> writes = v2Writes(dir, usable, r);
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
