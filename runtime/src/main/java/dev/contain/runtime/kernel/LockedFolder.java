package dev.contain.runtime.kernel;

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
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A folder of small state files that concurrent engines change (address leases, the run root's names):
 * every change is made under one exclusive lock, and every file is replaced whole, so that neither a
 * reader nor a crash (kill -9, a full disk) ever sees part of a change. A file is replaced by writing a new
 * one beside it, syncing it, renaming it over the old one and syncing the folder: after a crash at any
 * instant the file holds the old content or the new. The lock is an fcntl lock on a {@code lock} file
 * that is never removed (a waiter on a removed file's lock would exclude nobody), taken after a mutex of
 * this JVM: fcntl locks belong to a process, and Java refuses a second overlapping lock in one JVM.
 */
public final class LockedFolder {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_THIS_JVM = new ConcurrentHashMap<>();
    private static final String NEW = ".new";

    private final Path dir;
    private final Path lockFile;

    /** {@code lockName}: the lock file's name in {@code dir}; give it a leading dot where the folder lists names. */
    public LockedFolder(Path dir, String lockName) {
        this.dir = dir;
        this.lockFile = dir.resolve(lockName);
    }

    public Path dir() {
        return dir;
    }

    /** Work done under the lock. */
    @FunctionalInterface
    public interface Body<T, E extends Exception> {
        T run() throws IOException, E;
    }

    /**
     * Runs {@code body} holding the lock (waiting for it as long as another holder keeps it). Nested calls on
     * one thread hold it once. The folder is created if needed.
     */
    public <T, E extends Exception> T locked(Body<T, E> body) throws IOException, E {
        ReentrantLock mutex = mutex();
        mutex.lock();
        try {
            if (mutex.getHoldCount() > 1) {
                return body.run();
            }
            if (!Files.isDirectory(dir)) { // createDirectories alone throws and catches an exception when it exists (~0.2 ms)
                Files.createDirectories(dir);
            }
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return body.run();
            }
        } finally {
            mutex.unlock();
        }
    }

    /** A file's content, if it exists. */
    public Optional<String> read(String name) throws IOException {
        try {
            return Optional.of(Files.readString(dir.resolve(name), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Replaces a file whole, under the lock: new file, fsync, rename over the old one, fsync of the folder.
     * On failure (ENOSPC, say) the old file is untouched, the new one removed, and the error names the file.
     */
    public void replace(String name, String content) throws IOException {
        requireLocked();
        Path file = dir.resolve(name);
        Path fresh = dir.resolve("." + name + NEW);
        try {
            try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = StandardCharsets.UTF_8.encode(content);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            TestHooks.point("write:" + name);
            Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncFolder();
        } catch (IOException e) {
            Files.deleteIfExists(fresh);
            throw new IOException("cannot write " + file + ": " + Errors.reason(e), e);
        }
    }

    /** Deletes a file (and a new one a writer that died left for it), under the lock, and syncs the folder. */
    public void delete(String name) throws IOException {
        requireLocked();
        Path file = dir.resolve(name);
        try {
            discardNew(name);
            if (Files.deleteIfExists(file)) {
                syncFolder();
            }
        } catch (IOException e) {
            throw new IOException("cannot delete " + file + ": " + Errors.reason(e), e);
        }
    }

    private void syncFolder() throws IOException {
        try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
            folder.force(true);
        }
    }

    /**
     * Removes the new file a writer killed between writing and renaming it left for {@code name} (its content
     * never counted), under the lock: for a caller that changes nothing, since a replace or delete does it.
     */
    public void discardNew(String name) throws IOException {
        requireLocked();
        Files.deleteIfExists(dir.resolve("." + name + NEW));
    }

    private ReentrantLock mutex() {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock mutex = IN_THIS_JVM.get(key); // not computeIfAbsent: its lambda costs a run's start-up
        if (mutex == null) {
            ReentrantLock fresh = new ReentrantLock();
            mutex = IN_THIS_JVM.putIfAbsent(key, fresh);
            return mutex == null ? fresh : mutex;
        }
        return mutex;
    }

    private void requireLocked() {
        if (!mutex().isHeldByCurrentThread()) {
            throw new IllegalStateException("a change to " + dir + " outside its lock");
        }
    }
}
