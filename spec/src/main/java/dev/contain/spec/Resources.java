package dev.contain.spec;

/** Resource limits; a null field means "no limit". cpuPercent is in percent of one CPU (150 = 1.5 CPUs). */
public record Resources(Long memoryBytes, Long swapBytes, Double cpuPercent, Integer cpuWeight, Long pids) {
    public static final Resources NONE = new Resources(null, null, null, null, null);

    public boolean any() {
        return memoryBytes != null || swapBytes != null || cpuPercent != null || cpuWeight != null || pids != null;
    }
}
