package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** The real host, through plain file operations and ProcessHandle: no native calls needed here. */
public final class LinuxKernel implements Kernel {
    public static final LinuxKernel INSTANCE = new LinuxKernel();

    private LinuxKernel() {}

    @Override
    public void mkdirs(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public void mkdirExclusive(Path dir) throws IOException {
        Files.createDirectory(dir);
    }

    @Override
    public void write(Path file, String content) throws IOException {
        // One write() call: cgroupfs and uid_map take one value per write.
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (Files.exists(file)) {
            Files.write(file, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    @Override
    public String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return entries;
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        Files.deleteIfExists(dir);
    }

    /**
     * Entries that vanish during the walk are fine, and a folder that is not empty yet is retried: a
     * container's last processes and its overlay may still be going away while teardown runs.
     */
    @Override
    public void deleteTree(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                deleteTreeOnce(dir);
                return;
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    private void deleteTreeOnce(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object device = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
                    throw new IOException(d + " is a mount point; unmount it first");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public OptionalLong startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // comm (field 2) may hold spaces and parentheses: count fields after the last ')'
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(rest[19]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Override
    public void killIfSame(long pid, long startTime) {
        OptionalLong now = startTime(pid);
        if (now.isPresent() && now.getAsLong() == startTime) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
