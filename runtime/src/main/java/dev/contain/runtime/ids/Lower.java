package dev.contain.runtime.ids;

import java.nio.file.Path;

/**
 * One read-only layer of the overlay (the image, or a spec layer) and how its files keep their owners in a
 * container whose ids are not the host's. {@code target} is what the overlay's lowerdir names.
 *
 * @param source    the folder as stored (the image's rootfs, the spec's layer)
 * @param target    AS_IS: the source itself; IDMAP: an empty folder in the container's folder (lowerN) where the init
 *                  attaches an idmapped mount of the source; COPY: a folder in the container's folder that is
 *                  a copy of the source chowned for the range, or (for a stored image) a symlink to such a copy
 *                  kept in {@code <data root>/ranges}
 * @param mode      how
 * @param why       the filesystem, or why it cannot be idmapped (for --dry-run and --trace)
 * @param image     COPY of a stored image: its name; the copy is kept, once per range, in
 *                  {@code <data root>/ranges/RANGE/NAME-INODE} (the inode tells a re-imported image apart); else null
 */
public record Lower(Path source, Path target, Mode mode, String why, String image) {
    public enum Mode { AS_IS, IDMAP, COPY }
}
