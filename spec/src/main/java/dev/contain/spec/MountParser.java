package dev.contain.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/** The mounts section: bind mounts of host paths and tmpfs, each at a distinct absolute target. */
final class MountParser {
    static final List<String> KEYS = List.of("type", "source", "target", "readOnly", "size");
    static final List<String> TYPES = List.of("bind", "tmpfs");
    /**
     * Targets over the engine's own mounts: proc, sysfs (with the cgroup hierarchies) and the /dev tmpfs
     * it fills (see the planner). A mount at or under /proc or /sys would hide or replace kernel
     * interfaces; /dev/pts holds the container's terminals, and /dev/fd and the std* links lead into
     * /proc. Other targets under /dev are allowed (a larger /dev/shm, a device bound in).
     */
    static final List<String> ENGINE_TARGETS = List.of("/proc", "/sys", "/dev/pts", "/dev/fd", "/dev/stdin",
            "/dev/stdout", "/dev/stderr", "/dev/ptmx");

    private final Yaml yaml;
    private final Path baseDir;

    MountParser(Yaml yaml, Path baseDir) {
        this.yaml = yaml;
        this.baseDir = baseDir;
    }

    List<Mount> mounts(Node node) {
        List<Mount> mounts = new ArrayList<>();
        if (node == null) {
            return mounts;
        }
        List<Node> items = yaml.list(node, "mounts");
        if (items == null) {
            return mounts;
        }
        Map<String, Node> targets = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            Mount m = mount(items.get(i), "mounts[" + i + "]");
            if (m == null) {
                continue;
            }
            Node previous = targets.putIfAbsent(m.target(), items.get(i));
            if (previous != null) {
                int line = previous.getStartMark().map(mk -> mk.getLine() + 1).orElse(0);
                yaml.error(items.get(i), "duplicate mount target " + Shown.plain(m.target()) + " (also mounted at line " + line + ")");
                continue;
            }
            mounts.add(m);
        }
        return mounts;
    }

    private Mount mount(Node node, String what) {
        Map<String, Node> f = yaml.fields(node, what, KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        String type = f.containsKey("type") ? yaml.string(f.get("type"), what + ".type") : f.containsKey("source") ? "bind" : null;
        if (type == null) {
            if (!f.containsKey("type")) {
                yaml.error(node, what + " needs a type (bind or tmpfs)");
            }
            return null;
        }
        if (!TYPES.contains(type)) {
            yaml.error(f.get("type"), "unknown mount type " + Shown.quote(type) + Suggestions.didYouMean(type, TYPES) + "; use bind or tmpfs");
            return null;
        }
        String target = null;
        if (!f.containsKey("target")) {
            yaml.error(node, what + " needs a target, the absolute path in the container");
        } else {
            target = yaml.path(f.get("target"), what + ".target");
            if (target != null && (!SpecParser.isAbsoluteContainerPath(target) || SpecParser.normalizeContainerPath(target).equals("/"))) {
                yaml.error(f.get("target"), "mount target " + Shown.quote(target) + " must be an absolute path in the container, other than / and without '..', like /data");
                target = null;
            } else if (target != null) {
                target = SpecParser.normalizeContainerPath(target);
                String engine = engineMount(target);
                if (engine != null) {
                    yaml.error(f.get("target"), "mount target " + target + " is " + (engine.equals(target) ? "" : "under ") + engine
                            + ", which the engine mounts itself; mount elsewhere (/proc, /sys, /dev, /dev/pts and the /dev links into /proc are the engine's)");
                    target = null;
                }
            }
        }
        boolean readOnly = f.containsKey("readOnly") && Boolean.TRUE.equals(yaml.bool(f.get("readOnly"), what + ".readOnly"));
        if (type.equals("bind")) {
            if (f.containsKey("size")) {
                yaml.error(f.get("size"), "size only applies to tmpfs mounts");
            }
            if (!f.containsKey("source")) {
                yaml.error(node, what + " is a bind mount and needs a source path on the host");
                return null;
            }
            String source = yaml.path(f.get("source"), what + ".source");
            if (source == null) {
                return null;
            }
            if (source.isBlank()) {
                yaml.error(f.get("source"), what + ".source must not be empty");
                return null;
            }
            Path path = yaml.hostPath(f.get("source"), what + ".source", baseDir, source);
            if (path == null) {
                return null;
            }
            if (!Files.exists(path)) {
                yaml.error(f.get("source"), what + ".source " + Shown.quote(source) + " does not exist on this host"
                        + (source.startsWith("/") ? "" : " (relative to the spec's folder)"));
                return null;
            }
            return target == null ? null : new Mount.Bind(path, target, readOnly);
        }
        if (f.containsKey("source")) {
            yaml.error(f.get("source"), "a tmpfs mount has no source");
        }
        Long size = f.containsKey("size") ? yaml.quantity(f.get("size"), what + ".size", 4096) : null;
        return target == null ? null : new Mount.Tmpfs(target, size, readOnly);
    }

    /** The engine's mount the target is at or under, or null (the target is normalised). */
    static String engineMount(String target) {
        if (target.equals("/dev")) {
            return "/dev";
        }
        for (String m : ENGINE_TARGETS) {
            if (target.equals(m) || target.startsWith(m + "/")) {
                return m;
            }
        }
        return null;
    }
}
