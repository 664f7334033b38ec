package dev.contain.runtime.image;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.NativeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one layer (an uncompressed tar stream) into an empty folder the caller owns, as root: owners,
 * modes (set-id bits too), times, xattrs, hard links, symlinks, device nodes and fifos are kept. OCI
 * whiteouts become overlay's: {@code .wh.NAME} a 0/0 character device NAME, {@code .wh..wh..opq} the
 * {@code trusted.overlay.opaque} and {@code user.overlay.opaque} xattrs on its folder. An entry whose path leaves the folder is refused:
 * absolute names, {@code ..}, and any parent that is not a real folder (a symlink an earlier entry made),
 * checked component by component without following links; the folder is private to this unpack, so no
 * one can swap a checked folder for a link meanwhile.
 */
final class LayerUnpacker {
    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    /** Both: overlay reads trusted.* when mounted by the host's root, user.* with userxattr (in a user namespace). */
    static final List<String> OPAQUE_XATTRS = List.of("trusted.overlay.opaque", "user.overlay.opaque");

    /** A layer that must not be unpacked: its message names the entry and why. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private final NativeFiles nf;
    private final Path root;
    private final List<Runnable> dirTimes = new ArrayList<>();
    private IOException deferred;
    /** Folders checked to be real folders of the layer (not links): only an entry's clear() changes one. */
    private final java.util.Set<Path> realDirs = new java.util.HashSet<>();
    private final Kernel kernel;
    private Map<String, byte[]> rawXattrs; // the current entry's SCHILY.xattr values as bytes (PaxXattrTap)

    LayerUnpacker(Kernel kernel, NativeFiles nf, Path root) {
        this.kernel = kernel;
        this.nf = nf;
        this.root = root;
    }

    /** Unpacks the tar, and reads what follows its end (the caller's digest of the stream covers it). */
    void unpack(InputStream in) throws IOException {
        PaxXattrTap tap = new PaxXattrTap(in);
        TarArchiveInputStream tar = new TarArchiveInputStream(tap, StandardCharsets.UTF_8.name());
        int index = 0;
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; index++) {
            rawXattrs = tap.xattrs(index);
            entry(tar, e);
        }
        in.transferTo(OutputStream.nullOutputStream()); // the padding after the end: part of the digest
        for (int i = dirTimes.size() - 1; i >= 0; i--) { // children first changed their folders' times
            dirTimes.get(i).run();
        }
        if (deferred != null) {
            throw deferred;
        }
    }

    private void entry(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
        String name = e.getName();
        List<String> parts = components(name);
        if (e.isGlobalPaxHeader()) {
            return;
        }
        if (parts.isEmpty()) { // "./": the layer's root folder itself
            if (e.isDirectory()) {
                metadata(root, e);
            }
            return;
        }
        Path parent = parents(parts.subList(0, parts.size() - 1), name);
        String base = parts.get(parts.size() - 1);
        Path path = parent.resolve(base);
        if (base.equals(OPAQUE)) {
            for (String x : OPAQUE_XATTRS) {
                nf.lsetxattr(parent, x, new byte[] {'y'});
            }
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            String hidden = base.substring(WHITEOUT.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
                throw new Refused("whiteout " + quote(name) + " names no file");
            }
            Path target = parent.resolve(hidden);
            clear(target, false);
            nf.mknod(target, NativeFiles.S_IFCHR, 0, 0, 0);
            return;
        }
        if (e.isDirectory()) {
            if (!isRealDirectory(path)) {
                clear(path, false);
                Files.createDirectory(path);
            }
        } else if (e.isSymbolicLink()) {
            clear(path, true);
            Files.createSymbolicLink(path, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
            List<String> to = components(e.getLinkName());
            if (to.isEmpty()) {
                throw new Refused("hard link " + quote(name) + " points to the layer's root");
            }
            Path source = parents(to.subList(0, to.size() - 1), e.getLinkName()).resolve(to.get(to.size() - 1));
            BasicFileAttributes a = attributes(source);
            if (a == null || a.isDirectory()) {
                throw new Refused("hard link " + quote(name) + " points to " + quote(e.getLinkName()) + ", which is "
                        + (a == null ? "not in the layer before it" : "a folder"));
            }
            clear(path, true);
            Files.createLink(path, source);
            return; // a hard link shares its source's owner, mode and times
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            clear(path, true);
            int type = e.isCharacterDevice() ? NativeFiles.S_IFCHR : e.isBlockDevice() ? NativeFiles.S_IFBLK : NativeFiles.S_IFIFO;
            nf.mknod(path, type, 0600, e.getDevMajor(), e.getDevMinor());
        } else if (e.isFile()) {
            clear(path, true);
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                tar.transferTo(out);
            }
        } else {
            return; // other kinds (GNU volume headers, sparse maps...) hold no file
        }
        metadata(path, e);
    }

    /** Owner, then mode (chown clears set-id bits), xattrs, times (folders' last: their children change them). */
    private void metadata(Path path, TarArchiveEntry e) throws IOException {
        nf.lchown(path, e.getLongUserId(), e.getLongGroupId());
        boolean link = e.isSymbolicLink();
        if (!link) {
            nf.chmod(path, e.getMode());
        }
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            String key = h.getKey();
            byte[] value = null;
            String xattr = null;
            if (key.startsWith("SCHILY.xattr.")) {
                xattr = key.substring("SCHILY.xattr.".length());
                value = exact(xattr, h.getValue(), e.getName());
            } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                xattr = java.net.URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                value = Base64.getDecoder().decode(h.getValue());
            }
            // overlay's own xattrs (redirect, metacopy, opaque) are the engine's to set, never an archive's
            if (xattr != null && !xattr.startsWith("trusted.overlay.") && !xattr.startsWith("user.overlay.")) {
                nf.lsetxattr(path, xattr, value);
            }
        }
        FileTime mtime = e.getLastModifiedTime();
        FileTime atime = e.getLastAccessTime() != null ? e.getLastAccessTime() : mtime;
        if (mtime == null) {
            return;
        }
        Runnable times = () -> {
            try {
                nf.setTimes(path, atime.to(TimeUnit.SECONDS), atime.toInstant().getNano(), mtime.to(TimeUnit.SECONDS), mtime.toInstant().getNano());
            } catch (IOException ex) {
                deferred = ex;
            }
        };
        if (e.isDirectory()) {
            dirTimes.add(times);
        } else {
            times.run();
        }
    }

    /**
     * An xattr's value as the archive holds it. Commons Compress gives a PAX value decoded as UTF-8, exact
     * unless the bytes were not UTF-8 (then U+FFFD stands for them): those come from the {@link PaxXattrTap},
     * checked to decode to what Commons Compress gave, or the layer is refused.
     */
    private byte[] exact(String xattr, String decoded, String entry) throws Refused {
        if (decoded.indexOf('\uFFFD') < 0) {
            return decoded.getBytes(StandardCharsets.UTF_8);
        }
        byte[] raw = rawXattrs == null ? null : rawXattrs.get(xattr);
        if (raw == null || !new String(raw, StandardCharsets.UTF_8).equals(decoded)) {
            throw new Refused("the xattr " + xattr + " of " + quote(entry) + " is not UTF-8 and its bytes could not be read exactly");
        }
        return raw;
    }

    /**
     * The folder holding an entry, inside the layer: every component must be a real folder (never a link),
     * and missing ones are made (layers need not list their folders).
     */
    private Path parents(List<String> parts, String name) throws IOException {
        Path dir = root;
        for (String p : parts) {
            dir = dir.resolve(p);
            if (realDirs.contains(dir)) {
                continue;
            }
            BasicFileAttributes a = attributes(dir);
            if (a == null) {
                Files.createDirectory(dir);
                nf.chmod(dir, 0755);
            } else if (!a.isDirectory()) {
                throw new Refused("entry " + quote(name) + " goes through " + quote(root.relativize(dir).toString())
                        + (a.isSymbolicLink() ? ", a symlink: it could write outside the layer" : ", which is not a folder"));
            }
            realDirs.add(dir);
        }
        return dir;
    }

    /** The name's components; refused if absolute or with "..": either could leave the layer. */
    static List<String> components(String name) throws Refused {
        if (name.startsWith("/")) {
            throw new Refused("entry " + quote(name) + " is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.equals("..")) {
                throw new Refused("entry " + quote(name) + " has a '..' component: it could write outside the layer");
            }
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return parts;
    }

    /** Makes room for a new entry: a later entry of the same name replaces an earlier one (folders only by another kind). */
    private void clear(Path path, boolean replaceDirectory) throws IOException {
        BasicFileAttributes a = attributes(path);
        if (a == null) {
            return;
        }
        if (a.isDirectory()) {
            realDirs.removeIf(d -> d.startsWith(path)); // no longer checked: a later entry may make a link there
            kernel.deleteTree(path);
        } else {
            Files.delete(path);
        }
    }

    private static boolean isRealDirectory(Path path) throws IOException {
        BasicFileAttributes a = attributes(path);
        return a != null && a.isDirectory();
    }

    private static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    static String quote(String s) {
        return "'" + s.replace("\n", "\\n") + "'";
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stream's digest and length as it is read. */
    static final class CountingDigest extends DigestInputStream {
        long count;

        CountingDigest(InputStream in, MessageDigest digest) {
            super(in, digest);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
