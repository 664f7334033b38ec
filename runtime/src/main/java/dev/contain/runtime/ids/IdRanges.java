package dev.contain.runtime.ids;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.LockedFolder;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The id ranges containers hold: one empty claim file per holder in {@code <run root>/.ids}, named
 * {@code CONTAINER@UID-GID-SIZE}, made with O_EXCL under the folder's lock ({@link LockedFolder}: so two runs,
 * or two threads of one engine, never take overlapping ranges) and deleted to give the range back. A claim is one create and a release one unlink: nothing is
 * ever rewritten, so there is no half-written state to fear and nothing to fsync (the run root's state
 * matters only while the machine is up; after a crash gc reconciles it). A range is recorded in its
 * container's journal before it is taken (write-ahead), so teardown, and {@code contain gc} after a killed
 * engine, give it back by the container's name.
 */
public final class IdRanges {
    public static final String DIR = ".ids";
    private static final String LOCK = ".lock";

    private final Path dir;

    public IdRanges(Path runRoot) {
        this.dir = runRoot.resolve(DIR);
    }

    /** The first range of the pool that no container holds and nobody else owns. */
    public IdRange acquire(String container, IdPool pool) throws ContainerError {
        try {
            // a class, not a lambda: a lambda's first linkage costs a cold run
            return new LockedFolder(dir, LOCK).locked(new LockedFolder.Body<IdRange, ContainerError>() {
                @Override
                public IdRange run() throws IOException, ContainerError {
                    Map<String, IdRange> held = held();
                    IdRange mine = held.get(container);
                    if (mine != null) {
                        return mine; // asked again (a retried stage): the same range
                    }
                    Optional<IdRange> range = firstFree(pool, held);
                    if (range.isEmpty()) {
                        throw new ContainerError(container, "userns", "no free id range left in the pool (" + pool.describe() + "): "
                                + held.size() + " containers hold one; stop one, run 'contain gc', or give the pool more ids");
                    }
                    Files.createFile(dir.resolve(claim(container, range.get())));
                    return range.get();
                }
            });
        } catch (FileAlreadyExistsException e) {
            throw new ContainerError(container, "userns", "id ranges in " + dir + ": " + e.getFile() + " exists already");
        } catch (IOException e) {
            throw new ContainerError(container, "userns", "id ranges in " + dir + ": " + e.getMessage());
        }
    }

    /** Gives back the range a container holds, if any. No lock: only the container's own claim goes. */
    public void release(String container) throws IOException {
        for (Path p : claims()) {
            if (holder(p).equals(container)) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Gives back the ranges of containers that no longer exist (their state folder is gone); for gc. */
    public void releaseIf(Predicate<String> gone) throws IOException {
        for (Path p : claims()) {
            if (gone.test(holder(p))) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The range a run would get now: for --dry-run, read without the lock (the answer may change anyway). */
    public Optional<IdRange> peek(IdPool pool) {
        try {
            return firstFree(pool, held());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Who holds what, by container. */
    public Map<String, IdRange> held() throws IOException {
        Map<String, IdRange> held = new LinkedHashMap<>();
        for (Path p : claims()) {
            String n = p.getFileName().toString();
            String[] r = n.substring(n.indexOf('@') + 1).split("-");
            try {
                held.put(holder(p), new IdRange(Long.parseLong(r[0]), Long.parseLong(r[1]), Long.parseLong(r[2])));
            } catch (RuntimeException e) {
                throw new IOException(p + " is not a claim this engine makes (CONTAINER@UID-GID-SIZE)");
            }
        }
        return held;
    }

    static String claim(String container, IdRange r) {
        return container + "@" + r.uid() + "-" + r.gid() + "-" + r.size();
    }

    private static String holder(Path claim) {
        String n = claim.getFileName().toString();
        return n.substring(0, n.indexOf('@'));
    }

    private java.util.List<Path> claims() throws IOException {
        java.util.List<Path> claims = new java.util.ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (p.getFileName().toString().indexOf('@') > 0) {
                    claims.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return claims;
        }
        return claims;
    }

    private static Optional<IdRange> firstFree(IdPool pool, Map<String, IdRange> held) {
        for (long k = 0; k < pool.slots(); k++) {
            IdRange r = pool.slot(k);
            if (!pool.refused(r) && !overlapsAny(r, held)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private static boolean overlapsAny(IdRange r, Map<String, IdRange> held) {
        for (IdRange h : held.values()) {
            if (r.overlaps(h)) {
                return true;
            }
        }
        return false;
    }
}
