package dev.contain.runtime.image;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies of a stored rootfs image chowned for one id range, kept for the next run with that range:
 * {@code <data root>/ranges/RANGE/IMAGE-INODE} (ids/IdLayers makes them). The image store removes an image's
 * copies with it, so the name is the store's to say.
 */
public final class RangeCopies {
    public static final String FOLDER = "ranges";

    private RangeCopies() {}

    /** The copy of {@code image} (whose rootfs has inode {@code inode}) in one range's folder. */
    public static Path of(Path rangeFolder, String image, long inode) {
        return rangeFolder.resolve(image + "-" + Long.toHexString(inode));
    }

    /** Removes every range's copy of {@code image} (when the image is removed). */
    static void forget(Kernel kernel, Path dataRoot, String image) throws IOException {
        Path ranges = dataRoot.resolve(FOLDER);
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
