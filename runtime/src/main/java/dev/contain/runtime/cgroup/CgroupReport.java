package dev.contain.runtime.cgroup;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.spec.Quantity;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the cgroup counted, read after the command ends and before teardown: OOM kills (v2
 * memory.events, v1 memory.oom_control), CPU time, peak memory, throttling.
 */
public record CgroupReport(long oomKills, Long cpuNanos, Long peakBytes, Long throttledPeriods, Long throttledNanos) {

    public static CgroupReport read(Kernel kernel, CgroupPlan plan) {
        if (plan.dirs().isEmpty()) {
            return new CgroupReport(0, null, null, null, null);
        }
        if (plan.v2()) {
            Path d = plan.dir("cgroup2");
            Long usage = field(kernel, d.resolve("cpu.stat"), "usage_usec");
            Long throttledUs = field(kernel, d.resolve("cpu.stat"), "throttled_usec");
            return new CgroupReport(orZero(field(kernel, d.resolve("memory.events"), "oom_kill")),
                    usage == null ? null : usage * 1000, number(kernel, d.resolve("memory.peak")),
                    field(kernel, d.resolve("cpu.stat"), "nr_throttled"), throttledUs == null ? null : throttledUs * 1000);
        }
        Path memory = plan.dir("memory");
        Path cpu = plan.dir("cpu");
        Path cpuacct = plan.dir("cpuacct");
        return new CgroupReport(
                memory == null ? 0 : orZero(field(kernel, memory.resolve("memory.oom_control"), "oom_kill")),
                cpuacct == null ? null : number(kernel, cpuacct.resolve("cpuacct.usage")),
                memory == null ? null : number(kernel, memory.resolve("memory.max_usage_in_bytes")),
                cpu == null ? null : field(kernel, cpu.resolve("cpu.stat"), "nr_throttled"),
                cpu == null ? null : field(kernel, cpu.resolve("cpu.stat"), "throttled_time"));
    }

    public String describe() {
        StringBuilder s = new StringBuilder("stats:");
        s.append(" cpu ").append(cpuNanos == null ? "n/a" : String.format("%.3f s", cpuNanos / 1e9));
        s.append(", peak memory ").append(peakBytes == null ? "n/a" : String.format("%.1f MiB", peakBytes / 1048576.0));
        if (throttledPeriods != null) {
            s.append(throttledPeriods == 0 ? ", not throttled" : String.format(", throttled %d times (%.3f s)", throttledPeriods,
                    throttledNanos == null ? 0 : throttledNanos / 1e9));
        }
        return s.toString();
    }

    public static String limitText(Long bytes) {
        return bytes == null ? "" : " (limit " + Quantity.format(bytes) + ")";
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static Long number(Kernel kernel, Path file) {
        try {
            return Long.parseLong(kernel.read(file).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** A "key value" line of a flat-keyed cgroup file. */
    private static Long field(Kernel kernel, Path file, String key) {
        try {
            for (String line : kernel.read(file).split("\n")) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[0].equals(key)) {
                    return Long.parseLong(kv[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }
}
