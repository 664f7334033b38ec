package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** The real host, through plain file operations and ProcessHandle; bpf(2) through JNA ({@link Bpf}), only for cgroup v2 device filters. */
public final class LinuxKernel implements Kernel {
    public static final LinuxKernel INSTANCE = new LinuxKernel();

    private LinuxKernel() {}

    @Override
    public void mkdirs(Path dir) throws IOException {
        // Not Files.createDirectories: for a folder whose parent is missing (a run's cgroups, whose shared parent
        // the last container's teardown removed) it throws and catches two exceptions per level. java.io.File
        // answers from one stat (following links, as createDirectories does) without throwing.
        Path parent = dir.getParent();
        if (parent != null && !parent.toFile().isDirectory()) {
            mkdirs(parent);
        }
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!dir.toFile().isDirectory()) {
                throw e;
            }
        }
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
    public void writeEach(Path file, List<String> values) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (String v : values) {
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(v.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    ch.write(bytes); // a short write of a cgroup value is an error the kernel reports, not a partial one
                }
            }
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
     * Entries that vanish meanwhile are fine, and a folder that is not empty yet is retried: a container's
     * last processes and its overlay may still be going away while teardown runs. Never follows a symlink
     * and never crosses into another file system: a mount point inside is refused, not emptied.
     */
    @Override
    public void deleteTree(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                delete(dir, Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS));
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (DirectoryNotEmptyException e) {
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * A file, a symlink or an empty folder goes in one call; a folder with entries is emptied first. Plain
     * recursion, not Files.walkFileTree: the walker's machinery was most of a run's teardown (~2 ms) in a
     * JVM that has not compiled it.
     */
    private static void delete(Path path, Object device) throws IOException {
        try {
            Files.deleteIfExists(path);
            return;
        } catch (DirectoryNotEmptyException e) {
            requireSameFileSystem(path, device); // entries to remove first
        } catch (FileSystemException e) { // EBUSY, for one: a mount point
            requireSameFileSystem(path, device);
            throw e;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
            for (Path entry : entries) {
                delete(entry, device);
            }
        } catch (NoSuchFileException e) {
            return;
        }
        Files.deleteIfExists(path);
    }

    private static void requireSameFileSystem(Path path, Object device) throws IOException {
        if (!device.equals(Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
            throw new IOException(path + " is a mount point; unmount it first");
        }
    }

    /**
     * Through mount(8): it is needed only where no cgroup filesystem is mounted (under {@code ip netns
     * exec}), and a process costs a few ms there against JNA's ~50 ms start-up for every other run.
     */
    @Override
    public void mount(String type, String source, String options, Path target) throws IOException {
        Process mount = new ProcessBuilder("mount", "-t", type, "-o", options, source, target.toString())
                .redirectErrorStream(true).start();
        mount.getOutputStream().close();
        String output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (mount.waitFor() != 0) {
                throw new IOException("cannot mount " + type + " (" + options + ") on " + target + ": " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting " + type + " on " + target, e);
        }
    }

    @Override
    public void mkdir(Path dir, int mode) throws IOException {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(permissions(mode)));
        if ((mode & ~0777) != 0 || (mode & 0022) != 0) {
            chmod(dir, mode); // the umask narrows what mkdir gives; setgid, sticky and group/other write need chmod
        }
    }

    @Override
    public void chown(Path path, long uid, long gid) throws IOException {
        if (uid >= 0) Files.setAttribute(path, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        if (gid >= 0) Files.setAttribute(path, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void chmod(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode);
    }

    @Override
    public void symlink(Path link, Path target) throws IOException {
        Files.createSymbolicLink(link, target);
    }

    @Override
    public void attachDeviceFilter(Path cgroup, byte[] program) throws IOException {
        Bpf.attachDeviceProgram(cgroup, program);
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> set = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        java.nio.file.attribute.PosixFilePermission[] bits = java.nio.file.attribute.PosixFilePermission.values(); // OWNER_READ first
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
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
}
