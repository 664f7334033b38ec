package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The image store's lock: fcntl locks on bytes of {@code <data root>/images/.lock}, a file never removed.
 * <ul>
 *   <li>byte 0, the store: held shared by every writer that makes temporaries in the data root (an import,
 *       a pull, an archive's unpack, an image's removal, a binary's extraction) for as long as it works;
 *       held exclusive by {@code contain gc} and {@code image prune}, which then know that every temporary
 *       they find is a killed writer's leftover;</li>
 *   <li>byte 1: a rootfs image's rename into place;</li>
 *   <li>bytes from 2^40 on: one blob's download, so two pulls never write one file.</li>
 * </ul>
 * fcntl locks belong to a process, and closing any descriptor of the file drops them all: each JVM opens
 * the file once and keeps it open, and counts its own holders of byte 0 (Java refuses a second lock of a
 * region in one JVM, even a shared one).
 */
public final class StoreLock implements AutoCloseable {
    private static final long STORE = 0;
    private static final long RENAME = 1;
    private static final long BLOBS = 1L << 40;
    private static final Map<Path, FileChannel> CHANNELS = new HashMap<>(); // guarded by StoreLock.class
    private static final Map<Path, Held> STORE_HELD = new HashMap<>(); // guarded by StoreLock.class
    private static final ConcurrentHashMap<String, ReentrantLock> REGIONS = new ConcurrentHashMap<>();

    /** This JVM's hold of byte 0: shared by {@code count} holders, or exclusive. */
    private static final class Held {
        FileLock lock;
        int count;
    }

    private final Path file;
    private final FileLock lock; // for a region other than the store's
    private final ReentrantLock mutex;
    private boolean closed;

    private StoreLock(Path file, FileLock lock, ReentrantLock mutex) {
        this.file = file;
        this.lock = lock;
        this.mutex = mutex;
    }

    /** Byte 0 shared: waits while gc or prune holds it. */
    public static StoreLock shared(Path dataRoot) throws IOException {
        Path file = file(dataRoot);
        synchronized (StoreLock.class) {
            Held h = STORE_HELD.get(file);
            if (h == null) {
                h = new Held();
                h.lock = channel(file).lock(STORE, 1, true);
                STORE_HELD.put(file, h);
            } else if (!h.lock.isShared()) {
                throw new IOException("the image store is locked for gc by this process");
            }
            h.count++;
            return new StoreLock(file, null, null);
        }
    }

    /** Byte 0 exclusive if no one (in this JVM or another process) holds it; else empty. */
    public static Optional<StoreLock> tryExclusive(Path dataRoot) throws IOException {
        Path file = file(dataRoot);
        synchronized (StoreLock.class) {
            if (STORE_HELD.containsKey(file)) {
                return Optional.empty();
            }
            FileLock l = channel(file).tryLock(STORE, 1, false);
            if (l == null) {
                return Optional.empty();
            }
            Held h = new Held();
            h.lock = l;
            h.count = 1;
            STORE_HELD.put(file, h);
            return Optional.of(new StoreLock(file, null, null));
        }
    }

    /** Byte 0 exclusive, waiting for the writers that hold it to finish. */
    public static StoreLock exclusive(Path dataRoot) throws IOException {
        while (true) {
            Optional<StoreLock> l = tryExclusive(dataRoot);
            if (l.isPresent()) {
                return l.get();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the image store's lock", e);
            }
        }
    }

    /** Byte 1: a rename into the store, one at a time. */
    public static StoreLock rename(Path dataRoot) throws IOException {
        return region(dataRoot, RENAME, "rename");
    }

    /** One blob's download (by the hex of its digest), exclusive: a second pull of it waits. */
    public static StoreLock blob(Path dataRoot, String hex) throws IOException {
        long h = Long.parseUnsignedLong(hex.substring(0, 15), 16); // 60 bits: no two blobs of one pull share one
        return region(dataRoot, BLOBS + h, hex);
    }

    private static StoreLock region(Path dataRoot, long position, String name) throws IOException {
        Path file = file(dataRoot);
        ReentrantLock mutex = REGIONS.computeIfAbsent(file + "#" + position, k -> new ReentrantLock());
        mutex.lock(); // one holder in this JVM, so fcntl's per-process lock excludes the others
        try {
            FileChannel c;
            synchronized (StoreLock.class) {
                c = channel(file);
            }
            return new StoreLock(file, c.lock(position, 1, false), mutex);
        } catch (IOException | RuntimeException e) {
            mutex.unlock();
            throw e instanceof IOException io ? io : new IOException("cannot lock " + file + " for " + name + ": " + e, e);
        }
    }

    private static Path file(Path dataRoot) {
        return dataRoot.toAbsolutePath().normalize().resolve("images").resolve(".lock");
    }

    /** The one channel of this JVM on the file (caller holds StoreLock.class). */
    private static FileChannel channel(Path file) throws IOException {
        FileChannel c = CHANNELS.get(file);
        if (c == null) {
            Files.createDirectories(file.getParent());
            c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            CHANNELS.put(file, c);
        }
        return c;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (lock != null) {
            try {
                lock.release();
            } finally {
                mutex.unlock();
            }
            return;
        }
        synchronized (StoreLock.class) {
            Held h = STORE_HELD.get(file);
            if (h != null && --h.count == 0) {
                STORE_HELD.remove(file);
                h.lock.release();
            }
        }
    }
}
