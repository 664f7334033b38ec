package dev.contain.spec;

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
                yaml.error(items.get(i), "duplicate mount target " + m.target() + " (also mounted at line " + line + ")");
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
            yaml.error(f.get("type"), "unknown mount type '" + type + "'" + Suggestions.didYouMean(type, TYPES) + "; use bind or tmpfs");
            return null;
        }
        String target = null;
        if (!f.containsKey("target")) {
            yaml.error(node, what + " needs a target, the absolute path in the container");
        } else {
            target = yaml.string(f.get("target"), what + ".target");
            if (target != null && (!SpecParser.isAbsoluteContainerPath(target) || Path.of(target).normalize().toString().equals("/"))) {
                yaml.error(f.get("target"), "mount target '" + target + "' must be an absolute path in the container, other than / and without '..', like /data");
                target = null;
            } else if (target != null) {
                target = Path.of(target).normalize().toString();
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
            String source = yaml.string(f.get("source"), what + ".source");
            if (source == null || target == null) {
                return null;
            }
            if (source.isBlank()) {
                yaml.error(f.get("source"), what + ".source must not be empty");
                return null;
            }
            return new Mount.Bind(baseDir.resolve(source).normalize(), target, readOnly);
        }
        if (f.containsKey("source")) {
            yaml.error(f.get("source"), "a tmpfs mount has no source");
        }
        Long size = f.containsKey("size") ? yaml.quantity(f.get("size"), what + ".size", 4096) : null;
        return target == null ? null : new Mount.Tmpfs(target, size, readOnly);
    }
}
