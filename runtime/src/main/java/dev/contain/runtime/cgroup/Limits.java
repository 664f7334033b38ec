package dev.contain.runtime.cgroup;

/**
 * A container's resource limits, the engine's own type (each front end translates its form into it); a null
 * field means "no limit". {@code cpuPercent} is in percent of one CPU (150 = 1.5 CPUs); {@code cpuWeight} is
 * cgroup v2's [1, 10000].
 */
public record Limits(Long memoryBytes, Long swapBytes, Double cpuPercent, Integer cpuWeight, Long pids) {
    public static final Limits NONE = new Limits(null, null, null, null, null);

    public boolean any() {
        return memoryBytes != null || swapBytes != null || cpuPercent != null || cpuWeight != null || pids != null;
    }
}
