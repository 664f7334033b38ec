package dev.contain.runtime.plan;

import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.ids.Lower;
import dev.contain.runtime.image.LayerStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts of a container's read-only layers as the init makes them: which of them it attaches as idmapped
 * mounts, and the overlay's options naming each layer by the container's view of it (ids/IdLayers makes the views
 * and says why a layer is idmapped, copied or taken as it is).
 */
final class LayerMounts {
    private LayerMounts() {}

    /** The init's idmap operations: the store's view (two mounts) if its layers are idmapped, and each other idmapped layer. */
    static List<InitOp.Idmap> idmaps(IdPlan ids, Path dataRoot, Path containerDir) {
        List<InitOp.Idmap> idmaps = new ArrayList<>();
        boolean store = false;
        for (Lower l : ids.lowers()) {
            if (l.mode() != Lower.Mode.IDMAP) {
                continue;
            }
            if (l.store() && !store) {
                store = true;
                idmaps.add(new InitOp.Idmap(dataRoot.resolve("l"), containerDir.resolve("l")));
                idmaps.add(new InitOp.Idmap(dataRoot.resolve("layers"), containerDir.resolve("layers")));
            } else if (!l.store()) {
                idmaps.add(new InitOp.Idmap(l.source(), l.target()));
            }
        }
        return idmaps;
    }

    /**
     * The overlay's options. Each layer is named by the container's view of it where it has one (an idmap of
     * its source in {@code idmaps}, or a copy), relative to the data root (the init's working folder) through
     * {@code containers/NAME} or the plan's shortcut; else as stored: a store layer by its short link, another
     * by its path. User xattrs (user.overlay.*) when mounted in a user namespace: trusted.* are the host root's.
     */
    static String overlayData(IdPlan ids, List<InitOp.Idmap> idmaps, Path dataRoot, Path containerDir, Path upper, Path work) {
        String base = dataRoot.relativize(ids.shortcut() != null ? ids.shortcut() : containerDir).toString();
        StringBuilder lower = new StringBuilder();
        for (Lower l : ids.lowers()) {
            lower.append(lower.length() == 0 ? "" : ":").append(entry(l, idmaps, dataRoot, containerDir, base));
        }
        return "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + (ids.userNamespace() ? ",userxattr" : "");
    }

    private static String entry(Lower l, List<InitOp.Idmap> idmaps, Path dataRoot, Path containerDir, String base) {
        String link = l.store() ? LayerStore.shortLink(dataRoot, l.source()) : null; // "l/<12 hex>"
        Path view = null;
        for (InitOp.Idmap m : idmaps) {
            if (m.source().equals(l.store() ? dataRoot.resolve("l") : l.source())) {
                view = m.target();
            }
        }
        if (view == null && l.mode() == Lower.Mode.COPY) {
            view = l.store() ? containerDir.resolve("l") : l.target();
        }
        if (view == null) {
            return link != null ? link : l.source().toString();
        }
        String seen = view.startsWith(containerDir) ? base + "/" + containerDir.relativize(view) : view.toString();
        return l.store() ? seen + link.substring(1) : seen;
    }
}
