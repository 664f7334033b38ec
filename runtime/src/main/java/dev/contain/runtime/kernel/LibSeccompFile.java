package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The libseccomp a run would load, found without loading it (and without JNA: this class names none of its
 * types, so a run whose filter is cached loads no JNA class at all).
 */
public final class LibSeccompFile {
    /** Where distributions put it; checked in order. */
    private static final List<String> LIBRARY_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            "/usr/local/lib");

    private LibSeccompFile() {}

    /**
     * Its real file (libseccomp.so.2.5.4), size and modification time: part of the cache key of a compiled filter,
     * so a new libseccomp compiles again. Empty when it is not in the usual folders (the filter is then compiled
     * for every run, never cached).
     */
    public static Optional<String> identity() {
        for (String dir : LIBRARY_DIRS) {
            Path link = Path.of(dir, LibSeccomp.SONAME);
            try {
                if (Files.exists(link)) {
                    Path real = link.toRealPath();
                    return Optional.of(real.getFileName() + " " + Files.size(real) + " "
                            + Files.getLastModifiedTime(real, LinkOption.NOFOLLOW_LINKS).toMillis());
                }
            } catch (IOException e) {
                // next folder
            }
        }
        return Optional.empty();
    }
}
