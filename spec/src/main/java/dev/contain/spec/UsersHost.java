package dev.contain.spec;

import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * {@code users: host}: the container's ids are the host's own (0-65535 map to themselves), so its root is
 * the host's root. The named way out of the default, where each container gets a range of host ids of its
 * own; a mapping {@code {uid: [...], gid: [...]}} gives explicit maps.
 */
final class UsersHost {
    /** The identity map {@code users: host} stands for. */
    static final IdMapping IDENTITY = new IdMapping(0, 0, 65536);

    private UsersHost() {}

    /** True when {@code node} is a scalar: {@code host} fills both maps, anything else is reported. */
    static boolean parse(Yaml yaml, Node node, List<IdMapping> uids, List<IdMapping> gids) {
        if (!(node instanceof ScalarNode s)) {
            return false;
        }
        if (s.getValue().equals("host")) {
            uids.add(IDENTITY);
            gids.add(IDENTITY);
        } else {
            yaml.error(node, "users must be 'host' (the host's own ids: container root is host root) or a mapping "
                    + "like { uid: [{ container: 0, host: 100000, size: 65536 }] }, not " + Shown.quote(s.getValue())
                    + Suggestions.didYouMean(s.getValue(), List.of("host")));
        }
        return true;
    }
}
