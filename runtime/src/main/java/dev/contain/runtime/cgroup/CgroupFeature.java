package dev.contain.runtime.cgroup;

/**
 * A cgroup feature a front end may ask for that not every machine has; {@link CgroupPlanner#missing} says why
 * this one lacks it, so the front end can refuse the field by its name before planning.
 */
public enum CgroupFeature {
    BLKIO_THROTTLE, BLKIO_WEIGHT, BLKIO_LEAF_WEIGHT, BLKIO_WEIGHT_DEVICE, BLKIO_LEAF_WEIGHT_DEVICE, HUGETLB, NET_CLS, NET_PRIO,
    MEMORY_SWAPPINESS, MEMORY_OOM_KILL_DISABLE, MEMORY_KERNEL_TCP
}
