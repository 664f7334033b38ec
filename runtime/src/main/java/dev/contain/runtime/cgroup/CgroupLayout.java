package dev.contain.runtime.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How cgroups are mounted on this machine and where the engine itself sits in them, read from
 * /proc/self/mountinfo and /proc/self/cgroup. Unified: one cgroup2 tree with the controllers. Hybrid:
 * v1 hierarchies for the controllers plus a cgroup2 tree without them (this machine). Legacy: v1 only.
 *
 * {@code mountinfo}: the mount table this was read from, kept for the plan's other questions about it (which
 * filesystems can give idmapped layers, whether / is an initramfs): read once a run.
 */
public record CgroupLayout(Mode mode, Map<String, Hierarchy> v1, Hierarchy v2, String mountinfo) {
    /** NONE: no cgroup filesystem is mounted in this mount namespace (e.g. under `ip netns exec`). */
    public enum Mode { UNIFIED, HYBRID, LEGACY, NONE }

    /** A mounted hierarchy and the engine's own cgroup in it (a path relative to the mount's root). */
    public record Hierarchy(Path mountPoint, String enginePath) {
        public Path engineDir() {
            return mountPoint.resolve(enginePath.replaceFirst("^/", ""));
        }
    }

    /**
     * The controllers contain limits, with the v1 hierarchies it uses for accounting, the device list, and the freezer
     * (pause); cpuset, blkio and hugetlb only for a container that asks for one of their limits.
     */
    public static final List<String> V1_CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids", "devices", "freezer", "cpuset",
            "blkio", "hugetlb");

    public static CgroupLayout detect() throws IOException {
        return parse(Files.readString(Path.of("/proc/self/mountinfo")), Files.readString(Path.of("/proc/self/cgroup")));
    }

    public static CgroupLayout parse(String mountinfo, String procSelfCgroup) {
        Map<String, String> paths = new LinkedHashMap<>(); // controller (or "" for v2) -> engine's cgroup path
        for (String line : procSelfCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3) {
                if (f[1].isEmpty()) {
                    paths.put("", f[2]);
                } else {
                    for (String c : f[1].split(",")) {
                        paths.put(c, f[2]);
                    }
                }
            }
        }
        Map<String, Hierarchy> v1 = new LinkedHashMap<>();
        Hierarchy v2 = null;
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] pre = line.substring(0, dash).split(" ");
            String[] post = line.substring(dash + 3).split(" ");
            if (pre.length < 5 || post.length < 3) continue;
            Path mountPoint = Path.of(unescape(pre[4]));
            String root = unescape(pre[3]);
            if (post[0].equals("cgroup2")) {
                v2 = new Hierarchy(mountPoint, relativeTo(root, paths.getOrDefault("", "/")));
            } else if (post[0].equals("cgroup")) {
                for (String option : post[2].split(",")) {
                    if (V1_CONTROLLERS.contains(option) && paths.containsKey(option)) {
                        v1.putIfAbsent(option, new Hierarchy(mountPoint, relativeTo(root, paths.get(option))));
                    }
                }
            }
        }
        Mode mode = v1.isEmpty() ? (v2 != null ? Mode.UNIFIED : Mode.NONE) : v2 != null ? Mode.HYBRID : Mode.LEGACY;
        return new CgroupLayout(mode, v1, v2, mountinfo);
    }

    /** Whether a v1 hierarchy with {@code controller} is mounted, whether or not contain uses it (net_cls, net_prio). */
    public boolean mountsV1(String controller) {
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            String[] post = dash < 0 ? new String[0] : line.substring(dash + 3).split(" ");
            if (post.length >= 3 && post[0].equals("cgroup") && List.of(post[2].split(",")).contains(controller)) {
                return true;
            }
        }
        return false;
    }

    /** Limits go to v2 only on a unified machine; on hybrid ones the controllers live in v1. */
    public boolean usesV2() {
        return mode == Mode.UNIFIED;
    }

    /** /proc/self/cgroup paths are relative to the hierarchy root; a mount may show a subtree of it. */
    private static String relativeTo(String mountRoot, String path) {
        if (mountRoot.equals("/")) return path;
        return path.startsWith(mountRoot) ? path.substring(mountRoot.length()) : path;
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
