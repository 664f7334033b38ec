package dev.contain.runtime.cgroup;

import java.util.List;

/**
 * A container's resource limits, the engine's own type (each front end translates its form into it); a null
 * field means "no limit". {@code cpuPercent} is in percent of one CPU (150 = 1.5 CPUs); {@code cpuWeight} is
 * cgroup v2's [1, 10000]. {@code cpus} and {@code mems}: the cpuset the container may use, in the kernel's list
 * form ("0-1,3"), checked by {@link #cpuList}. {@code cpuShares}: v1's exact value where a front end gives one (OCI's
 * cpu.shares; v2 takes the weight); {@code cpuPeriodUs}: the CFS period the quota is a share of (null: the cgroup's own).
 * {@code blockIo}: weights and throttles of the blkio (v1) or io (v2) controller; {@code hugepages}: hugetlb limits;
 * {@code memoryTuning}: the memory controller's other settings (a soft limit, v1's swappiness...).
 *
 * For an update of a running container, {@link #UNLIMITED} in memoryBytes, swapBytes or pids, and {@link #UNLIMITED_CPU}
 * in cpuPercent, remove that limit (v1 writes -1, v2 "max"); a front end never gives them at creation.
 */
public record Limits(Long memoryBytes, Long swapBytes, Double cpuPercent, Integer cpuWeight, Long pids, String cpus, String mems,
                     Long cpuShares, Long cpuPeriodUs, BlockIo blockIo, List<HugepageLimit> hugepages, MemoryTuning memoryTuning) {
    public static final Limits NONE = new Limits(null, null, null, null, null);
    public static final long UNLIMITED = -1;
    public static final double UNLIMITED_CPU = -1;

    public Limits {
        blockIo = blockIo == null ? BlockIo.NONE : blockIo;
        hugepages = hugepages == null ? List.of() : List.copyOf(hugepages);
        memoryTuning = memoryTuning == null ? MemoryTuning.NONE : memoryTuning;
    }

    public Limits(Long memoryBytes, Long swapBytes, Double cpuPercent, Integer cpuWeight, Long pids, String cpus, String mems,
                  Long cpuShares, Long cpuPeriodUs) {
        this(memoryBytes, swapBytes, cpuPercent, cpuWeight, pids, cpus, mems, cpuShares, cpuPeriodUs, BlockIo.NONE, List.of(), MemoryTuning.NONE);
    }

    public Limits(Long memoryBytes, Long swapBytes, Double cpuPercent, Integer cpuWeight, Long pids) {
        this(memoryBytes, swapBytes, cpuPercent, cpuWeight, pids, null, null);
    }

    public Limits(Long memoryBytes, Long swapBytes, Double cpuPercent, Integer cpuWeight, Long pids, String cpus, String mems) {
        this(memoryBytes, swapBytes, cpuPercent, cpuWeight, pids, cpus, mems, null, null);
    }

    /** The same limits with this cpuset. */
    public Limits withCpuset(String cpus, String mems) {
        return new Limits(memoryBytes, swapBytes, cpuPercent, cpuWeight, pids, cpus, mems, cpuShares, cpuPeriodUs, blockIo, hugepages, memoryTuning);
    }

    public boolean any() {
        return memory() || cpuPercent != null || cpu() || pids != null || cpuset() || blockIo.any()
                || !hugepages.isEmpty();
    }

    /** Whether a limit of the memory controller is asked for. */
    public boolean memory() {
        return memoryBytes != null || swapBytes != null || memoryTuning.any();
    }

    /** Whether a limit of the cpu controller is asked for. */
    public boolean cpu() {
        return cpuPercent != null || cpuWeight != null || cpuShares != null || cpuPeriodUs != null;
    }

    /** Whether a cpuset is asked for (the cpuset controller is then needed). */
    public boolean cpuset() {
        return cpus != null || mems != null;
    }

    /** Whether {@code s} is a cpu or memory-node list as cpuset.cpus takes it: "0", "0-3", "0-1,3". */
    public static boolean cpuList(String s) {
        return s.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
    }
}
