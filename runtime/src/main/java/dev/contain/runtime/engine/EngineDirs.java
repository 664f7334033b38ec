package dev.contain.runtime.engine;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The engine's folders, closed to host users: nothing in a writable layer or an image is reachable by
 * anyone but root and the container's own ids (a setuid file a container makes cannot be run from the
 * host). A container's root is an unprivileged host uid that must still reach its own folder (overlayfs
 * looks up its layers with the mounter's rights), so {@code containers/} is 0711 (enter, not list) and each
 * container's folder 0700, owned by its root. Images are 0700: idmapped mounts of them are made by root
 * and handed over, and copies chowned for a range live in {@code ranges/} (0711, one 0700 folder per range).
 * The run root holds only the engine's own state: 0700. Folders an older engine made wider are tightened
 * by the first run that finds them so.
 */
public final class EngineDirs {
    public static final int CONTAINERS = 0711;
    public static final int CONTAINER = 0700;
    public static final int IMAGES = 0700;
    public static final int RANGES = 0711;
    public static final int RUN_ROOT = 0700;

    private EngineDirs() {}

    /** Creates the run root and the data root's containers/ and images/ with their modes, or sets them. */
    public static void secure(Kernel kernel, EngineConfig config) throws IOException {
        ensure(kernel, config.runRoot(), RUN_ROOT);
        ensure(kernel, config.dataRoot().resolve("containers"), CONTAINERS);
        ensure(kernel, config.dataRoot().resolve("images"), IMAGES);
    }

    /** A folder of the engine's with exactly {@code mode}: made so, or set so if it exists with another. */
    public static void ensure(Kernel kernel, Path dir, int mode) throws IOException {
        int now;
        try {
            now = (int) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        } catch (NoSuchFileException e) {
            kernel.mkdirs(dir.getParent());
            try {
                kernel.mkdir(dir, mode);
                return;
            } catch (FileAlreadyExistsException raced) {
                now = (int) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            }
        }
        if (now != mode) {
            kernel.chmod(dir, mode);
        }
    }
}
