package dev.contain.runtime.cgroup;

import java.util.List;

/**
 * Block I/O limits: a weight of the container against its siblings (v1 [10, 1000]), a leaf weight (v1 CFQ: the
 * weight of its own tasks against its children), weights per device, and throttles per device (bytes or I/O
 * operations per second, read or write). A null weight: none asked for.
 */
public record BlockIo(Integer weight, Integer leafWeight, List<DeviceWeight> deviceWeights, List<Throttle> throttles) {
    public static final BlockIo NONE = new BlockIo(null, null, List.of(), List.of());

    /** A weight, or a leaf weight, or both for one device (major:minor); null where not given. */
    public record DeviceWeight(long major, long minor, Integer weight, Integer leafWeight) {}

    /** What a throttle limits: its v1 file's part (blkio.throttle.KIND_device) and its v2 io.max key. */
    public enum Kind {
        READ_BPS("read_bps", "rbps"), WRITE_BPS("write_bps", "wbps"), READ_IOPS("read_iops", "riops"), WRITE_IOPS("write_iops", "wiops");

        public final String v1;
        public final String v2;

        Kind(String v1, String v2) {
            this.v1 = v1;
            this.v2 = v2;
        }
    }

    /** At most {@code rate} bytes or operations a second to or from the device major:minor. */
    public record Throttle(Kind kind, long major, long minor, long rate) {}

    public boolean any() {
        return weight != null || leafWeight != null || !deviceWeights.isEmpty() || !throttles.isEmpty();
    }

    /** Whether this asks for the weight {@code f} names (BLKIO_WEIGHT, BLKIO_LEAF_WEIGHT, BLKIO_WEIGHT_DEVICE, BLKIO_LEAF_WEIGHT_DEVICE). */
    public boolean asks(CgroupFeature f) {
        return switch (f) {
            case BLKIO_WEIGHT -> weight != null;
            case BLKIO_LEAF_WEIGHT -> leafWeight != null;
            case BLKIO_WEIGHT_DEVICE -> deviceWeights.stream().anyMatch(d -> d.weight() != null);
            case BLKIO_LEAF_WEIGHT_DEVICE -> deviceWeights.stream().anyMatch(d -> d.leafWeight() != null);
            case BLKIO_THROTTLE -> !throttles.isEmpty();
            default -> false;
        };
    }
}
