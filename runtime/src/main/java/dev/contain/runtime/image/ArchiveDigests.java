package dev.contain.runtime.image;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.TestHooks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * SHA-256 digests of archive images, remembered by each file's stamp: device, inode, size, modification
 * and change times. An archive named in a spec is then hashed once, not at every run (224 MB: ~1.6 s).
 * Any write to the file, or its replacement, changes the stamp (no program can set a change time back).
 * One small file per stamp in {@code <data root>/images/.digests}; written by runs, not by dry runs.
 */
public final class ArchiveDigests {
    private final Path dir;

    ArchiveDigests(Path imagesRoot) {
        this.dir = imagesRoot.resolve(".digests");
    }

    /** A digest with the stamp of the file it was computed from (null: the file changed meanwhile). */
    public record Known(String stamp, String sha256) {}

    static String stamp(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
        return a.get("dev") + "-" + a.get("ino") + "-" + a.get("size") + "-" + nanos(a.get("lastModifiedTime")) + "-" + nanos(a.get("ctime"));
    }

    private static long nanos(Object time) {
        return ((FileTime) time).to(TimeUnit.NANOSECONDS);
    }

    /** The digest remembered for this stamp, if any. */
    Optional<String> lookup(String stamp) {
        try {
            String sha256 = Files.readString(dir.resolve(stamp)).trim();
            return sha256.matches("[0-9a-f]{64}") ? Optional.of(sha256) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Remembers a digest; a cache, so a failure to write it only costs the next run a hash. */
    void remember(Known known, ImageStore.WriteAhead writeAhead) {
        if (known.stamp() == null || lookup(known.stamp()).isPresent()) {
            return;
        }
        Path fresh = dir.resolve("." + known.stamp() + "-" + ProcessHandle.current().pid() + ".new");
        try {
            Files.createDirectories(dir);
            writeAhead.before(fresh);
            Files.writeString(fresh, known.sha256() + "\n");
            TestHooks.point("image:memo");
            Files.move(fresh, dir.resolve(known.stamp()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ignored) {
            try {
                Files.deleteIfExists(fresh);
            } catch (IOException alsoIgnored) {
                // the next run hashes the archive again
            }
        }
    }

    /** Forgets every stamp whose digest starts with {@code sha256Prefix}: its image was removed. */
    void forget(String sha256Prefix) throws ContainerError {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().startsWith(".") && lookup(f.getFileName().toString()).filter(d -> d.startsWith(sha256Prefix)).isPresent()) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // nothing remembered
        } catch (IOException e) {
            throw new ContainerError(null, "image", "cannot update the digest memo in " + dir + ": " + e.getMessage());
        }
    }
}
