package dev.contain.runtime.oci;

import dev.contain.runtime.cgroup.BlockIo;
import dev.contain.runtime.cgroup.CgroupFeature;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.base.ContainerError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code linux.resources.blockIO} to the engine's {@link BlockIo}: weights (10..1000) and throttles per device. A
 * weight this machine has no file for (no CFQ or BFQ group scheduling; a leaf weight without CFQ) is refused by its
 * field, with the planner's reason.
 */
final class OciBlockIo {
    private static final List<Map.Entry<String, BlockIo.Kind>> THROTTLES = List.of(
            Map.entry("throttleReadBpsDevice", BlockIo.Kind.READ_BPS), Map.entry("throttleWriteBpsDevice", BlockIo.Kind.WRITE_BPS),
            Map.entry("throttleReadIOPSDevice", BlockIo.Kind.READ_IOPS), Map.entry("throttleWriteIOPSDevice", BlockIo.Kind.WRITE_IOPS));

    private OciBlockIo() {}

    static BlockIo read(Node b, CgroupPlanner cgroups) throws ContainerError {
        if (b == null) {
            return BlockIo.NONE;
        }
        Integer weight = weight(b, "weight", CgroupFeature.BLKIO_WEIGHT, cgroups);
        Integer leafWeight = weight(b, "leafWeight", CgroupFeature.BLKIO_LEAF_WEIGHT, cgroups);
        List<BlockIo.DeviceWeight> devices = new ArrayList<>();
        for (Node d : b.objects("weightDevice")) {
            long[] device = device(d, cgroups, true);
            Integer w = weight(d, "weight", CgroupFeature.BLKIO_WEIGHT_DEVICE, cgroups);
            Integer leaf = weight(d, "leafWeight", CgroupFeature.BLKIO_LEAF_WEIGHT_DEVICE, cgroups);
            d.done();
            devices.add(new BlockIo.DeviceWeight(device[0], device[1], w, leaf));
        }
        List<BlockIo.Throttle> throttles = new ArrayList<>();
        for (Map.Entry<String, BlockIo.Kind> t : THROTTLES) {
            List<Node> rules = b.objects(t.getKey());
            String missing = rules.isEmpty() ? null : cgroups.missing(CgroupFeature.BLKIO_THROTTLE);
            if (missing != null) {
                throw b.error(t.getKey(), missing);
            }
            for (Node rule : rules) {
                long[] device = device(rule, cgroups, false);
                Long rate = rule.unsigned("rate");
                rule.done();
                if (rate == null) {
                    throw rule.error("rate", "required (bytes or operations a second; 0 removes the device's limit)");
                }
                throttles.add(new BlockIo.Throttle(t.getValue(), device[0], device[1], rate));
            }
        }
        b.done();
        return new BlockIo(weight, leafWeight, List.copyOf(devices), List.copyOf(throttles));
    }

    private static Integer weight(Node n, String key, CgroupFeature feature, CgroupPlanner cgroups) throws ContainerError {
        Long w = n.number(key);
        if (w == null) {
            return null;
        }
        if (w < 10 || w > 1000) {
            throw n.error(key, w + " is outside 10..1000");
        }
        String missing = cgroups.missing(feature);
        if (missing != null) {
            throw n.error(key, missing);
        }
        return w.intValue();
    }

    private static long[] device(Node d, CgroupPlanner cgroups, boolean weight) throws ContainerError {
        Long major = d.number("major");
        Long minor = d.number("minor");
        if (major == null || minor == null || major < 0 || minor < 0) {
            throw d.error(null, "a device needs its major and minor numbers");
        }
        String missing = cgroups.deviceMissing(major, minor, weight);
        if (missing != null) {
            throw d.error(null, missing);
        }
        return new long[] {major, minor};
    }
}
