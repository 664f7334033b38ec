package dev.contain.runtime.ids;

import dev.contain.runtime.state.EngineDirs;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.image.LayerStore;
import dev.contain.runtime.image.RangeCopies;
import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
        Path ranges = dataRoot.resolve(RangeCopies.FOLDER);
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
        Path copy = RangeCopies.of(mine, l.image(), inode);
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
}
