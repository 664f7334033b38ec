package dev.contain.runtime.ids;

import dev.contain.runtime.engine.ContainerError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The id ranges containers hold, in {@code <run root>/.ids/ranges} ("container uid gid size" lines), read
 * and changed under one file lock, so two runs never get the same range. Each change is written to a new
 * file, flushed to disk and renamed over the old one: a crash leaves the old state or the new, never half
 * of one. A range is recorded in its container's journal before it is taken (write-ahead), so teardown,
 * and {@code contain gc} after a killed engine, give it back by the container's name.
 */
public final class IdRanges {
    public static final String DIR = ".ids";
    private static final String FILE = "ranges";

    private final Path dir;

    public IdRanges(Path runRoot) {
        this.dir = runRoot.resolve(DIR);
    }

    /** The first range of the pool that no container holds and nobody else owns. */
    public IdRange acquire(String container, IdPool pool) throws ContainerError {
        try {
            return locked(() -> {
                Map<String, IdRange> held = read();
                IdRange mine = held.get(container);
                if (mine != null) {
                    return mine; // a retried acquire after a crash between journal and rename: keep it
                }
                IdRange range = firstFree(pool, held).orElseThrow(() -> new ContainerError(container, "userns",
                        "no free id range left in the pool (" + pool.describe() + "): " + held.size()
                                + " containers hold one; stop one, run 'contain gc', or give the pool more ids"));
                held.put(container, range);
                write(held);
                return range;
            });
        } catch (IOException e) {
            throw new ContainerError(container, "userns", "id ranges in " + dir + ": " + e.getMessage());
        }
    }

    /** Gives back the range a container holds, if any. */
    public void release(String container) throws IOException {
        try {
            locked(() -> {
                Map<String, IdRange> held = read();
                if (held.remove(container) != null) {
                    write(held);
                }
                return null;
            });
        } catch (ContainerError e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Gives back the ranges of containers that no longer exist (their state folder is gone); for gc. */
    public void releaseIf(Predicate<String> gone) throws IOException {
        try {
            locked(() -> {
                Map<String, IdRange> held = read();
                if (held.keySet().removeIf(gone)) {
                    write(held);
                }
                return null;
            });
        } catch (ContainerError e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The range a run would get now: for --dry-run, read without the lock (the answer may change anyway). */
    public Optional<IdRange> peek(IdPool pool) {
        try {
            return firstFree(pool, read());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Who holds what, by container. */
    public Map<String, IdRange> held() throws IOException {
        return read();
    }

    private static Optional<IdRange> firstFree(IdPool pool, Map<String, IdRange> held) {
        for (long k = 0; k < pool.slots(); k++) {
            IdRange r = pool.slot(k);
            if (!pool.refused(r) && held.values().stream().noneMatch(r::overlaps)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private Map<String, IdRange> read() throws IOException {
        Map<String, IdRange> held = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(dir.resolve(FILE), StandardCharsets.UTF_8)) {
                String[] f = line.trim().split(" ");
                if (f.length == 4) {
                    held.put(f[0], new IdRange(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
                }
            }
        } catch (NoSuchFileException e) {
            return held;
        } catch (NumberFormatException e) {
            throw new IOException(dir.resolve(FILE) + " is damaged: " + e.getMessage());
        }
        return held;
    }

    /** A new file, flushed, renamed over the old: the state on disk is always one whole version. */
    private void write(Map<String, IdRange> held) throws IOException {
        StringBuilder text = new StringBuilder();
        held.forEach((c, r) -> text.append(c).append(' ').append(r.uid()).append(' ').append(r.gid()).append(' ')
                .append(r.size()).append('\n'));
        Path tmp = dir.resolve(FILE + ".new");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(text.toString());
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(false);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    private interface Locked<T> {
        T run() throws IOException, ContainerError;
    }

    private <T> T locked(Locked<T> body) throws IOException, ContainerError {
        Files.createDirectories(dir);
        // the lock file is never removed: a run waiting on a removed file's lock would exclude nobody
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return body.run();
        }
    }
}
