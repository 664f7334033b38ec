package dev.contain.runtime.ids;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The fallback where a layer cannot be idmapped: a copy of the folder (cp -a: modes, links, device nodes,
 * times, xattrs) whose every file is chowned through the container's maps, so an image file owned by 0
 * is owned by the range's first id on disk and shows as 0 inside. Made in a private folder and renamed into
 * place, so a run killed midway leaves no half copy that looks whole. Costly (a full copy); stored images
 * are copied once per range and kept (see {@link IdLayers}). File capabilities do not survive: the kernel
 * drops them on chown.
 */
final class ChownedCopy {
    private ChownedCopy() {}

    /** Copies {@code source} to {@code target} (which must not exist) with every owner mapped. */
    static void make(Kernel kernel, Path source, Path target, IdMaps maps) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        removeStale(kernel, target);
        try {
            Process cp = new ProcessBuilder("cp", "-a", "--no-target-directory", source.toString(), tmp.toString())
                    .redirectErrorStream(true).start();
            String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (cp.waitFor() != 0) {
                throw new IOException("cp -a " + source + ": " + out);
            }
            chownAll(tmp, maps);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another run made the same copy first (two containers with one explicit map): theirs serves
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying " + source);
        } finally {
            if (tmp != null) {
                kernel.deleteTree(tmp);
            }
        }
    }

    /** Host id k becomes the id container k is; ids the maps lack become nobody's (as an idmapped mount shows them). */
    private static void chownAll(Path root, IdMaps maps) throws IOException {
        long nobodyUid = maps.hostUid(65534);
        long nobodyGid = maps.hostGid(65534);
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                chown(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                chown(file);
                return FileVisitResult.CONTINUE;
            }

            private void chown(Path p) throws IOException {
                int uid = (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                int gid = (int) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
                int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                long newUid = maps.hostUid(Integer.toUnsignedLong(uid));
                long newGid = maps.hostGid(Integer.toUnsignedLong(gid));
                Files.setAttribute(p, "unix:uid", (int) (newUid >= 0 ? newUid : nobodyUid), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) (newGid >= 0 ? newGid : nobodyGid), LinkOption.NOFOLLOW_LINKS);
                boolean symlink = (mode & 0170000) == 0120000;
                if (!symlink && (mode & 06000) != 0) {
                    Files.setAttribute(p, "unix:mode", mode & 07777); // chown cleared setuid and setgid
                }
            }
        });
    }

    /** Private folders of copies whose engine died midway. */
    private static void removeStale(Kernel kernel, Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".tmp-";
        try (var siblings = Files.list(target.getParent())) {
            for (Path p : siblings.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(prefix) && !alive(n.substring(prefix.length()))) {
                    kernel.deleteTree(p);
                }
            }
        }
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).isPresent();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
