package dev.contain.runtime.state;

import dev.contain.runtime.base.EngineConfig;
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
 * container's folder 0700, owned by its root. What holds image contents ({@code images/}, the layer store's
 * {@code layers/} and {@code l/}, {@code downloads/}) is 0700: idmapped mounts of it are made by root and
 * handed over, and copies chowned for a range live in {@code ranges/} (0711, one 0700 folder per range).
 * The run root holds only the engine's own state: 0700. Folders an older engine made wider are tightened
 * by the first run that finds them so; a marker file says it was done, so later runs check only the two
 * folders a run itself needs.
 */
public final class EngineDirs {
    public static final int CONTAINERS = 0711;
    public static final int CONTAINER = 0700;
    public static final int IMAGES = 0700;
    public static final int RANGES = 0711;
    public static final int SHORTCUTS = 0711;
    public static final int RUN_ROOT = 0700;
    /** In the data root: its folders have their modes (written after the first run that made sure of it). */
    static final String MARKER = ".folders-secured";
    private static final java.util.List<String> CONTENTS = java.util.List.of("images", "layers", "l", "downloads");

    private EngineDirs() {}

    /** The run root and containers/ with their modes; on the first run, the folders that hold images too. */
    public static void secure(Kernel kernel, EngineConfig config) throws IOException {
        ensure(kernel, config.runRoot(), RUN_ROOT);
        ensure(kernel, config.dataRoot().resolve("containers"), CONTAINERS);
        Path marker = config.dataRoot().resolve(MARKER);
        if (!Files.exists(marker)) {
            secureStore(kernel, config.dataRoot());
            try {
                kernel.write(marker, "containers 0711, " + String.join(" ", CONTENTS) + " 0700\n");
            } catch (FileAlreadyExistsException raced) {
                // another run made sure of the same folders at the same moment
            }
        }
    }

    /** The folders that hold image contents, 0700: made so before an image is imported or pulled into them. */
    public static void secureStore(Kernel kernel, Path dataRoot) throws IOException {
        for (String d : CONTENTS) {
            ensure(kernel, dataRoot.resolve(d), IMAGES);
        }
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
