package dev.contain.runtime.cgroup;

/** At most {@code bytes} of huge pages of one size ("2MB", "1GB": the hugetlb controller's file names) for the container. */
public record HugepageLimit(String pageSize, long bytes) {
    /** A page size in kB as the kernel names it in hugetlb's files: 64KB, 2MB, 1GB. */
    public static String name(long kB) {
        return kB >= 1 << 20 ? (kB >> 20) + "GB" : kB >= 1 << 10 ? (kB >> 10) + "MB" : kB + "KB";
    }
}
