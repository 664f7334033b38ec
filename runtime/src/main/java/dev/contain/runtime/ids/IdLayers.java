package dev.contain.runtime.ids;

import dev.contain.runtime.state.EngineDirs;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.image.LayerStore;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.plan.InitOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The overlay's read-only layers for a container whose ids are not the host's, and how the overlay names
 * them. The layer store's layers (all of an image's) are seen through one view of the whole store in the
 * container's folder: {@code layers} (an idmapped mount of {@code <data root>/layers}, or a link to the
 * store's layers copied and chowned for the range) named through {@code l} (an idmapped mount of the store's
 * short links {@code <data root>/l}, whose {@code ../layers/HEX} then resolve inside the container's
 * view), so a run attaches two mounts whatever the number of layers. Other layers (a spec's, a rootfs
 * image) each get {@code lowerN}: an empty folder for the idmapped mount, or a copy chowned for the range
 * (a stored rootfs image's kept in {@code <data root>/ranges/RANGE/} for the next run with that range).
 */
public final class IdLayers {
    public static final String RANGES = "ranges";
    /** Short names of containers' folders, for the overlay's options (see IdPlan.shortcut). */
    public static final String SHORTCUTS = "m";
    /** Bytes of mount options the layers may take: the page the kernel copies, less the upper and work folders. */
    static final int ROOM_FOR_LAYERS = 3300;

    private final Kernel kernel;
    private final Path dataRoot;
    private final Progress progress;

    public IdLayers(Kernel kernel, Path dataRoot, Progress progress) {
        this.kernel = kernel;
        this.dataRoot = dataRoot;
        this.progress = progress;
    }

    /** A layer of the layer store: {@code <data root>/layers/<64 hex>}. */
    public static boolean isStoreLayer(Path dataRoot, Path dir) {
        return LayerStore.shortLink(dataRoot, dir) != null;
    }

    /** The init's idmap operations: the store's view (two mounts) if its layers are idmapped, and each other idmapped layer. */
    public static List<InitOp.Idmap> idmaps(IdPlan ids, Path dataRoot, Path containerDir) {
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
    public static String overlayData(IdPlan ids, List<InitOp.Idmap> idmaps, Path dataRoot, Path containerDir, Path upper, Path work) {
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

    /**
     * Makes each layer's view, before the init attaches the idmapped ones; {@code uid}/{@code gid} are the host
     * ids of the container's root (the owner of the kept copies' folder).
     */
    public void prepare(IdPlan ids, Path containerDir, IdMaps maps, long uid, long gid) throws IOException {
        boolean store = false;
        for (Lower l : ids.lowers()) {
            if (l.mode() == Lower.Mode.AS_IS) {
                continue;
            }
            if (l.store()) {
                if (!store) {
                    store = true;
                    storeView(l, containerDir, maps, uid, gid);
                }
                if (l.mode() == Lower.Mode.COPY) {
                    copiedStoreLayer(l.source(), maps, uid, gid);
                }
            } else if (l.mode() == Lower.Mode.IDMAP) {
                kernel.mkdir(l.target(), 0755);
                progress.trace("userns: " + l.source() + " idmapped (" + l.why() + ")");
            } else if (l.image() != null) {
                kernel.symlink(l.target(), cachedImage(l, maps, uid, gid));
            } else {
                long started = System.nanoTime();
                ChownedCopy.make(kernel, l.source(), l.target(), maps);
                progress.trace(String.format("userns: %s copied and chowned for this run in %.1f ms (%s)", l.source(),
                        (System.nanoTime() - started) / 1e6, l.why()));
            }
        }
    }

    /** The container's view of the store: folders for the two idmapped mounts, or a link to the range's copies. */
    private void storeView(Lower l, Path containerDir, IdMaps maps, long uid, long gid) throws IOException {
        if (l.mode() == Lower.Mode.IDMAP) {
            kernel.mkdir(containerDir.resolve("l"), 0755);
            kernel.mkdir(containerDir.resolve("layers"), 0755);
            progress.trace("userns: the layer store idmapped (" + l.why() + ")");
        } else {
            Path mine = rangeFolder(maps, uid, gid);
            for (String d : List.of("l", "layers")) {
                if (!Files.isDirectory(mine.resolve(d), LinkOption.NOFOLLOW_LINKS)) {
                    kernel.mkdir(mine.resolve(d), 0755);
                }
            }
            kernel.symlink(containerDir.resolve("l"), containerDir.relativize(mine.resolve("l"))); // ../../ranges/KEY/l
        }
    }

    /** A store layer copied and chowned for the range, once, and its short link beside the range's copies. */
    private void copiedStoreLayer(Path source, IdMaps maps, long uid, long gid) throws IOException {
        Path mine = rangeFolder(maps, uid, gid);
        String hex = source.getFileName().toString();
        Path copy = mine.resolve("layers").resolve(hex);
        if (!Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
            long started = System.nanoTime();
            ChownedCopy.make(kernel, source, copy, maps);
            progress.trace(String.format("userns: layer %s copied and chowned for these ids in %.1f ms, kept in %s (%s)",
                    hex.substring(0, 12), (System.nanoTime() - started) / 1e6, copy, "cannot be idmapped"));
        }
        Path link = mine.resolve(LayerStore.shortLink(dataRoot, source)); // l/<12 hex>
        if (!Files.isSymbolicLink(link)) {
            kernel.symlink(link, Path.of("..", "layers", hex));
        }
    }

    /** {@code <data root>/ranges/KEY}: only the range's root (and root) may enter. */
    private Path rangeFolder(IdMaps maps, long uid, long gid) throws IOException {
        Path ranges = dataRoot.resolve(RANGES);
        EngineDirs.ensure(kernel, ranges, EngineDirs.RANGES);
        Path mine = ranges.resolve(maps.key());
        if (!Files.isDirectory(mine, LinkOption.NOFOLLOW_LINKS)) {
            kernel.mkdir(mine, 0700);
            kernel.chown(mine, uid, gid);
        }
        return mine;
    }

    /** The stored rootfs image's copy for these maps: made the first time, found after. */
    private Path cachedImage(Lower l, IdMaps maps, long uid, long gid) throws IOException {
        Path mine = rangeFolder(maps, uid, gid);
        long inode = (long) Files.getAttribute(l.source(), "unix:ino");
        Path copy = mine.resolve(l.image() + "-" + Long.toHexString(inode));
        if (Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
            progress.trace("userns: image " + l.image() + ": the copy chowned for these ids, made before (" + l.why() + ")");
            return copy;
        }
        long started = System.nanoTime();
        ChownedCopy.make(kernel, l.source(), copy, maps);
        progress.trace(String.format("userns: image %s copied and chowned for these ids in %.1f ms, kept in %s (%s)", l.image(),
                (System.nanoTime() - started) / 1e6, copy, l.why()));
        return copy;
    }

    /** Removes every copy of a stored rootfs image (when the image is removed). */
    public static void forget(Kernel kernel, Path dataRoot, String image) throws IOException {
        Path ranges = dataRoot.resolve(RANGES);
        if (!Files.isDirectory(ranges)) {
            return;
        }
        try (var perRange = Files.list(ranges)) {
            for (Path range : perRange.toList()) {
                try (var copies = Files.list(range)) {
                    for (Path c : copies.toList()) {
                        String n = c.getFileName().toString();
                        if (n.startsWith(image + "-") && n.substring(image.length() + 1).matches("[0-9a-f]+")) {
                            kernel.deleteTree(c);
                        }
                    }
                }
            }
        }
    }
}
