package dev.contain.runtime.cgroup;

/**
 * The memory controller's settings beside the limit: a soft limit the kernel reclaims down to under pressure
 * ({@code reservationBytes}: v1 memory.soft_limit_in_bytes, v2 memory.low), and v1's swappiness (0-100), OOM killer
 * switch (memory.oom_control) and TCP buffer limit (memory.kmem.tcp.limit_in_bytes), which v2 does not have. Null: not asked.
 */
public record MemoryTuning(Long reservationBytes, Integer swappiness, Boolean disableOomKiller, Long kernelTcpBytes) {
    public static final MemoryTuning NONE = new MemoryTuning(null, null, null, null);

    public boolean any() {
        return reservationBytes != null || swappiness != null || disableOomKiller != null || kernelTcpBytes != null;
    }

    /** Whether this asks for the setting {@code f} names (MEMORY_SWAPPINESS, MEMORY_OOM_KILL_DISABLE, MEMORY_KERNEL_TCP). */
    public boolean asks(CgroupFeature f) {
        return switch (f) {
            case MEMORY_SWAPPINESS -> swappiness != null;
            case MEMORY_OOM_KILL_DISABLE -> disableOomKiller != null;
            case MEMORY_KERNEL_TCP -> kernelTcpBytes != null;
            default -> false;
        };
    }
}
