package dev.contain.runtime.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * The container's cgroup, resolved: one folder on v2, one per v1 hierarchy; the engine's shared parent
 * folders (created if missing, removed when the last container leaves them); controller enables (v2);
 * the limit writes in order; and warnings for limits skipped with --ignore-missing-limits.
 */
public record CgroupPlan(
        boolean v2,
        List<Dir> dirs,
        List<Path> sharedParents,
        List<Write> controllerEnables,
        List<Write> limits,
        List<String> warnings,
        Long memoryLimit) {

    /** The container's folder in one hierarchy; on v2 the controller is "cgroup2". */
    public record Dir(String controller, Path path) {}

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
     * v2: the files the engine writes the container's pid to, between "pid" and "go". (On v1 the process
     * joins by itself: {@link #selfJoinFiles()}.)
     */
    public List<Path> procsFiles() {
        return v2 ? dirs.stream().map(d -> d.path().resolve("cgroup.procs")).toList() : List.of();
    }

    /**
     * v1: the {@code tasks} files the container's process writes "0" to after "go", moving itself in before
     * its command runs (the init opens them beforehand, as root on the host). Moving oneself is the one
     * migration the kernel makes without its global threadgroup lock, whose first taking after a quiet
     * moment waits for an RCU grace period: ~10 ms of every run on this machine when the engine wrote the
     * pid to cgroup.procs. On v2, cgroup.threads cannot move a thread between domains: empty.
     */
    public List<Path> selfJoinFiles() {
        return v2 ? List.of() : dirs.stream().map(d -> d.path().resolve("tasks")).toList();
    }
}
