package dev.contain.runtime.cgroup;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup hierarchies, mounted where the engine's mount namespace has none. {@code ip netns exec} gives
 * the command a mount namespace of its own with a fresh /sys, so /sys/fs/cgroup is empty there although
 * the machine has cgroups: the process still sits in its hierarchies (/proc/self/cgroup lists them), only
 * their mounts are gone. Mounting a v1 hierarchy with the same controllers, or cgroup2, opens the same
 * trees again, so the engine mounts them at their usual places, as the host has them: a tmpfs on
 * /sys/fs/cgroup with one folder per v1 hierarchy and cgroup2 on {@code unified}, or cgroup2 on
 * /sys/fs/cgroup itself where there is no v1 hierarchy. Only that mount namespace sees them; they stay for
 * the later runs in it. (Reaching pid 1's mounts through /proc/1/root instead does not work: a bind mount
 * of the container's cgroup needs its source in the engine's own mount namespace.)
 */
public final class CgroupMounts {
    public static final Path ROOT = Path.of("/sys/fs/cgroup");

    /** One mount(8): type, options, target. */
    public record Mount(String type, String options, Path target) {}

    private CgroupMounts() {}

    /** The mounts that restore the hierarchies /proc/self/cgroup lists (those the engine uses). */
    public static List<Mount> needed(String procSelfCgroup) {
        List<Mount> v1 = new ArrayList<>();
        boolean v2 = false;
        for (String line : procSelfCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                continue;
            }
            if (f[1].isEmpty()) {
                v2 = true;
            } else if (List.of(f[1].split(",")).stream().anyMatch(CgroupLayout.V1_CONTROLLERS::contains)) {
                v1.add(new Mount("cgroup", "rw,nosuid,nodev,noexec," + f[1], ROOT.resolve(f[1])));
            }
        }
        List<Mount> mounts = new ArrayList<>();
        if (v1.isEmpty()) {
            if (v2) {
                mounts.add(new Mount("cgroup2", "rw,nosuid,nodev,noexec", ROOT));
            }
            return mounts;
        }
        mounts.add(new Mount("tmpfs", "mode=755,nosuid,nodev,noexec", ROOT));
        mounts.addAll(v1);
        if (v2) {
            mounts.add(new Mount("cgroup2", "rw,nosuid,nodev,noexec", ROOT.resolve("unified")));
        }
        return mounts;
    }

    /** Mounts them, each on a folder made for it (none is made on /sys/fs/cgroup itself: sysfs has it). */
    public static void mount(Kernel kernel, List<Mount> mounts) throws IOException {
        for (Mount m : mounts) {
            if (!m.target().equals(ROOT)) {
                kernel.mkdirs(m.target());
            }
            kernel.mount(m.type(), m.type(), m.options(), m.target());
        }
    }
}
