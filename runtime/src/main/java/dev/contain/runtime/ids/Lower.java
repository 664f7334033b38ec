package dev.contain.runtime.ids;

import java.nio.file.Path;

/**
 * One read-only layer of the overlay (an image layer, or a spec layer) and how its files keep their owners
 * in a container whose ids are not the host's.
 *
 * @param source the folder as stored: a layer of the store ({@code <data root>/layers/<hex>}), an image's
 *               rootfs, a spec's layer
 * @param store  a layer of the layer store: all of an image's are seen through the container's one idmapped
 *               (or copied) view of the store, {@code <container>/layers}, named through {@code <container>/l}
 * @param target for a layer not of the store: where the container's view of it is. IDMAP: an empty folder the
 *               init attaches the idmapped mount to; COPY: a copy chowned for the range, or (for a stored rootfs
 *               image) a symlink to one kept in {@code <data root>/ranges}; AS_IS: the source itself
 * @param mode   how
 * @param why    the filesystem, or why it cannot be idmapped (for --dry-run and --trace)
 * @param image  COPY of a stored rootfs image: its name; the copy is kept, once per range, in
 *               {@code <data root>/ranges/RANGE/NAME-INODE} (the inode tells a re-imported image apart); else null
 */
public record Lower(Path source, boolean store, Path target, Mode mode, String why, String image) {
    public enum Mode { AS_IS, IDMAP, COPY }
}
