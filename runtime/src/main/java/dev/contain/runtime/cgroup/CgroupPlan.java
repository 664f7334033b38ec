package dev.contain.runtime.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * The container's cgroup, resolved: one folder on v2, one per v1 hierarchy; the engine's shared parent
 * folders (created if missing, removed when the last container leaves them); controller enables (v2);
 * the limit writes in order; warnings for limits skipped with --ignore-missing-limits; and the devices the
 * container may use, everything else denied (v1: its devices list, emptied with devices.deny "a", then one
 * devices.allow line each; v2: a BPF device program attached to its folder), empty where there is no devices
 * controller (v1 without the devices hierarchy, or no cgroups at all).
 */
public record CgroupPlan(
        boolean v2,
        List<Dir> dirs,
        List<Path> sharedParents,
        List<Write> controllerEnables,
        List<Write> limits,
        List<String> warnings,
        Long memoryLimit,
        List<DeviceRule> deviceFilter) {

    /**
     * The container's folder in one hierarchy, named for its first controller (co-mounted ones, as cpu,cpuacct,
     * share it); on v2 the controller is "cgroup2". {@code freezer}: a v1 hierarchy with the freezer, alone or
     * co-mounted (teardown freezes that folder first, see CgroupRemover).
     */
    public record Dir(String controller, Path path, boolean freezer) {
        public Dir(String controller, Path path) {
            this(controller, path, controller.equals("freezer"));
        }
    }

    /**
     * One value for one cgroup file. An optional write is skipped (with a warning) when the kernel lacks the
     * file. A CPU quota is a percent of the period, which is read from the new cgroup when it exists
     * ({@code periodFile}: v1 cpu.cfs_period_us, v2 cpu.max); for other writes percent is null.
     */
    public record Write(Path file, String value, String controller, boolean optional, Double cpuPercent, Path periodFile) {
        public Write(Path file, String value, String controller, boolean optional) {
            this(file, value, controller, optional, null, null);
        }

        public static Write cpuQuota(Path file, double percent, Path periodFile) {
            return new Write(file, null, "cpu", false, percent, periodFile);
        }

        public String describe() {
            return cpuPercent == null ? file + " = " + value
                    : file + " = " + dev.contain.spec.Percent.format(cpuPercent) + " of the period in " + periodFile.getFileName()
                    + (file.equals(periodFile) ? " (\"quota period\")" : "");
        }
    }

    /** The folder that holds a controller's files, or null. */
    public Path dir(String controller) {
        for (Dir d : dirs) {
            if (v2 || d.controller().equals(controller)) {
                return d.path();
            }
        }
        return null;
    }

    /**
     * v2: the cgroup the init clones the container's process into (CLONE_INTO_CGROUP), so it is born
     * there and never moved; null on v1 (see {@link #selfJoinFiles()}).
     */
    public Path cloneInto() {
        return v2 && !dirs.isEmpty() ? dirs.get(0).path() : null;
    }

    /**
     * v1: the {@code tasks} files the container's process writes "0" to after "go", moving itself in before
     * its command runs (the init opens them beforehand, as root on the host). Moving another process takes
     * the kernel's global threadgroup lock, whose first taking after a quiet moment waits for an RCU grace
     * period: ~10 ms of every run on this machine when the engine wrote the pid to cgroup.procs; moving
     * oneself is the one migration without it. v1 has no CLONE_INTO_CGROUP. Empty on v2 ({@link #cloneInto()}).
     */
    public List<Path> selfJoinFiles() {
        return v2 ? List.of() : dirs.stream().map(d -> d.path().resolve("tasks")).toList();
    }
}
