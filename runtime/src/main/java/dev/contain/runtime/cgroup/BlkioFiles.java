package dev.contain.runtime.cgroup;

import dev.contain.runtime.kernel.Kernel;
import java.nio.file.Path;
import java.util.List;

/**
 * Which files a container's block I/O limits go to on this machine, or why there are none. The weight files exist
 * only below a hierarchy's root (the kernel marks them not-on-root), so they are judged by what the root shows:
 * v1 has {@code blkio.weight} and {@code blkio.leaf_weight} with CFQ (gone since Linux 5.0), or the {@code blkio.bfq.*}
 * statistics with BFQ's group scheduling, whose folders get {@code blkio.bfq.weight} and {@code blkio.bfq.weight_device}
 * (no leaf weight); throttles are {@code blkio.throttle.*_device}. v2: {@code io.max} for throttles, {@code io.bfq.weight}
 * where the engine's own folder shows it, else {@code io.weight} where the root has blk-iocost's {@code io.cost.qos}.
 *
 * @param v2 whether the files are v2's (io.*)
 * @param weight the file of the container's weight and of its per-device weights ("MAJ:MIN W"), or null
 * @param deviceWeight the file of per-device weights (v1 CFQ: blkio.weight_device; BFQ: blkio.bfq.weight_device), or null
 * @param leafWeight v1 CFQ's blkio.leaf_weight, or null
 * @param leafWeightDevice v1 CFQ's blkio.leaf_weight_device, or null
 * @param why why a weight file is null (what the machine lacks)
 */
record BlkioFiles(boolean v2, String weight, String deviceWeight, String leafWeight, String leafWeightDevice, String why) {
    /** The files of the v1 blkio hierarchy mounted at {@code root}. */
    static BlkioFiles v1(Path root, Kernel kernel) {
        if (kernel.exists(root.resolve("blkio.weight"))) {
            return new BlkioFiles(false, "blkio.weight", "blkio.weight_device", "blkio.leaf_weight", "blkio.leaf_weight_device", null);
        }
        String noLeaf = "this kernel's blkio controller has no leaf weight file (blkio.leaf_weight: CFQ only, gone since Linux 5.0)";
        if (kernel.exists(root.resolve("blkio.bfq.io_service_bytes"))) {
            return new BlkioFiles(false, "blkio.bfq.weight", "blkio.bfq.weight_device", null, null, noLeaf);
        }
        return new BlkioFiles(false, null, null, null, null,
                "this kernel's blkio controller has no weight file (no CFQ or BFQ scheduler with group support: " + root
                        + " shows neither blkio.weight nor blkio.bfq.*)");
    }

    /** The files of v2's io controller: {@code root} the hierarchy's, {@code engine} the engine's own folder. */
    static BlkioFiles v2(Path root, Path engine, Kernel kernel) {
        String noLeaf = "cgroup v2's io controller has no leaf weight";
        if (!engine.equals(root) && kernel.exists(engine.resolve("io.bfq.weight"))) {
            return new BlkioFiles(true, "io.bfq.weight", "io.bfq.weight", null, null, noLeaf);
        }
        if (kernel.exists(root.resolve("io.cost.qos"))) {
            return new BlkioFiles(true, "io.weight", "io.weight", null, null, noLeaf);
        }
        return new BlkioFiles(true, null, null, null, null,
                "this kernel's io controller has no weight file (no blk-iocost: " + root + " has no io.cost.qos; no io.bfq.weight in " + engine + ")");
    }

    /** Why {@code feature} cannot be set here, or null. */
    String missing(CgroupFeature feature) {
        return switch (feature) {
            case BLKIO_WEIGHT -> weight == null ? why : null;
            case BLKIO_WEIGHT_DEVICE -> deviceWeight == null ? why : null;
            case BLKIO_LEAF_WEIGHT -> leafWeight == null ? why : null;
            case BLKIO_LEAF_WEIGHT_DEVICE -> leafWeightDevice == null ? why : null;
            default -> null;
        };
    }

    /** The writes of {@code b} into the container's folder {@code dir}, after {@link #missing} said every one has a file. */
    List<CgroupPlan.Write> writes(Path dir, BlockIo b) {
        String controller = v2 ? "io" : "blkio";
        List<CgroupPlan.Write> out = new java.util.ArrayList<>();
        if (b.weight() != null) {
            out.add(new CgroupPlan.Write(dir.resolve(weight), v2 ? "default " + weight(b.weight()) : Integer.toString(b.weight()), controller, false));
        }
        if (b.leafWeight() != null) {
            out.add(new CgroupPlan.Write(dir.resolve(leafWeight), Integer.toString(b.leafWeight()), controller, false));
        }
        for (BlockIo.DeviceWeight d : b.deviceWeights()) {
            if (d.weight() != null) {
                out.add(new CgroupPlan.Write(dir.resolve(deviceWeight), d.major() + ":" + d.minor() + " " + weight(d.weight()), controller, false));
            }
            if (d.leafWeight() != null) {
                out.add(new CgroupPlan.Write(dir.resolve(leafWeightDevice), d.major() + ":" + d.minor() + " " + d.leafWeight(), controller, false));
            }
        }
        for (BlockIo.Throttle t : b.throttles()) {
            String device = t.major() + ":" + t.minor() + " ";
            out.add(v2 ? new CgroupPlan.Write(dir.resolve("io.max"), device + t.kind().v2 + "=" + t.rate(), controller, false)
                    : new CgroupPlan.Write(dir.resolve("blkio.throttle." + t.kind().v1 + "_device"), device + t.rate(), controller, false));
        }
        return out;
    }

    /** A v1 weight [10, 1000] as the file takes it: as is on v1 and for BFQ; io.weight's [1, 10000] as runc converts it. */
    private long weight(int w) {
        return weight.equals("io.weight") ? 1 + (w - 10) * 9999L / 990 : w;
    }
}
