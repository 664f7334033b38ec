package dev.contain.runtime.ids;

import dev.contain.runtime.engine.EngineDirs;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.plan.InitOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The overlay's read-only layers for a container whose ids are not the host's: for an idmapped layer an
 * empty folder the init attaches the idmapped mount to; for a copied one, the copy chowned for the range
 * (a stored image's copy kept in {@code <data root>/ranges/RANGE/} for the next run with that range, the
 * container's folder linking to it; a spec layer or a folder image copied into the container's folder,
 * removed with it).
 */
public final class IdLayers {
    public static final String RANGES = "ranges";

    private final Kernel kernel;
    private final Path dataRoot;
    private final Consumer<String> trace;

    public IdLayers(Kernel kernel, Path dataRoot, Consumer<String> trace) {
        this.kernel = kernel;
        this.dataRoot = dataRoot;
        this.trace = trace;
    }

    /** The overlay's options: its layers, and user.* xattrs when it is mounted in a user namespace (trusted.* are the host root's). */
    public static String overlayData(IdPlan ids, Path upper, Path work) {
        StringBuilder lower = new StringBuilder();
        for (Path p : ids.lowerDirs()) {
            lower.append(lower.length() == 0 ? "" : ":").append(p);
        }
        return "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + (ids.userNamespace() ? ",userxattr" : "");
    }

    /** The init's idmap operations: one per layer seen through an idmapped mount, its target empty until then. */
    public static List<InitOp.Idmap> idmaps(IdPlan ids) {
        return ids.lowers().stream().filter(l -> l.mode() == Lower.Mode.IDMAP).map(l -> new InitOp.Idmap(l.source(), l.target())).toList();
    }

    /** Makes each layer's target; {@code owner} is the host uid and gid of the container's root. */
    public void prepare(List<Lower> lowers, IdMaps maps, long uid, long gid) throws IOException {
        for (Lower l : lowers) {
            if (l.mode() == Lower.Mode.AS_IS) {
                continue;
            }
            if (l.mode() == Lower.Mode.IDMAP) {
                kernel.mkdir(l.target(), 0755);
                trace.accept("userns: " + l.source() + " idmapped (" + l.why() + ")");
            } else if (l.image() != null) {
                Path copy = cached(l, maps, uid, gid);
                kernel.symlink(l.target(), copy);
            } else {
                long started = System.nanoTime();
                ChownedCopy.make(l.source(), l.target(), maps);
                trace.accept(String.format("userns: %s copied and chowned for this run in %.1f ms (%s)", l.source(),
                        (System.nanoTime() - started) / 1e6, l.why()));
            }
        }
    }

    /** The stored image's copy for these maps: made the first time, found after. */
    private Path cached(Lower l, IdMaps maps, long uid, long gid) throws IOException {
        Path ranges = dataRoot.resolve(RANGES);
        EngineDirs.ensure(kernel, ranges, EngineDirs.RANGES);
        Path mine = ranges.resolve(maps.key());
        if (!Files.isDirectory(mine, LinkOption.NOFOLLOW_LINKS)) {
            kernel.mkdir(mine, 0700);
            kernel.chown(mine, uid, gid); // only the range's root (and root) may enter
        }
        long inode = (long) Files.getAttribute(l.source(), "unix:ino");
        Path copy = mine.resolve(l.image() + "-" + Long.toHexString(inode));
        if (Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
            trace.accept("userns: image " + l.image() + ": the copy chowned for these ids, made before (" + l.why() + ")");
            return copy;
        }
        long started = System.nanoTime();
        ChownedCopy.make(l.source(), copy, maps);
        trace.accept(String.format("userns: image %s copied and chowned for these ids in %.1f ms, kept in %s (%s)", l.image(),
                (System.nanoTime() - started) / 1e6, copy, l.why()));
        return copy;
    }

    /** Removes every copy of a stored image (when the image is removed). */
    public static void forget(Path dataRoot, String image) throws IOException {
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
                            dev.contain.runtime.kernel.LinuxKernel.INSTANCE.deleteTree(c);
                        }
                    }
                }
            }
        }
    }
}
