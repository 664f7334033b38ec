package dev.contain.runtime.ids;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The container's user namespace as planned, before any range is taken.
 *
 * @param kind          where its ids come from
 * @param uid           the uid map; for RANGE relative to the range (host = offset from its first id)
 * @param gid           the gid map, likewise
 * @param denySetgroups write "deny" to setgroups first (an engine that is not root may map only itself)
 * @param pool          RANGE: the pool the range comes from; else null
 * @param lowers        the overlay's read-only layers, top first, and how each keeps its owners
 * @param shortcut      {@code <data root>/m/TOKEN}, a symlink to the container's folder that names its layers
 *                      in the overlay's options when {@code containers/NAME} would make them longer than the
 *                      page the kernel copies (images of many layers, long names); null when not needed
 */
public record IdPlan(Kind kind, List<IdMap> uid, List<IdMap> gid, boolean denySetgroups, IdPool pool, List<Lower> lowers,
                     Path shortcut) {
    public enum Kind {
        /** No user namespace: the container's ids are the host's, root is root. */
        NONE,
        /** users: host, the identity map: root is the host's root. */
        HOST,
        /** The spec's own maps. */
        EXPLICIT,
        /** An engine that is not root: container root is the engine's user, nothing else is mapped. */
        ENGINE_USER,
        /** The default: a range of host ids of the container's own, taken from the pool at run time. */
        RANGE
    }

    /** No user namespace, nothing remapped: for plans made by hand (tests). */
    public static final IdPlan NONE = new IdPlan(Kind.NONE, List.of(), List.of(), false, null, List.of(), null);

    public IdPlan {
        uid = List.copyOf(uid);
        gid = List.copyOf(gid);
        lowers = List.copyOf(lowers);
    }

    public boolean userNamespace() {
        return kind != Kind.NONE;
    }

    /** The maps to write, with {@code range} (the one taken, for RANGE; ignored otherwise). */
    public IdMaps maps(IdRange range) {
        if (kind != Kind.RANGE) {
            return new IdMaps(uid, gid);
        }
        return new IdMaps(shift(uid, range.uid()), shift(gid, range.gid()));
    }

    /** Any layer whose files must be shown with other owners than on disk. */
    public boolean remapsLayers() {
        for (Lower l : lowers) { // a loop: a lambda's first linkage costs a cold run
            if (l.mode() != Lower.Mode.AS_IS) {
                return true;
            }
        }
        return false;
    }

    private static List<IdMap> shift(List<IdMap> maps, long by) {
        List<IdMap> shifted = new ArrayList<>();
        for (IdMap m : maps) {
            shifted.add(new IdMap(m.container(), m.host() + by, m.size()));
        }
        return shifted;
    }
}
