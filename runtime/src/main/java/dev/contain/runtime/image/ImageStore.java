package dev.contain.runtime.image;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.StoreLock;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.spec.ImageRef;
import dev.contain.spec.Suggestions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Root filesystems under {@code <data root>/images/<name>/rootfs}. Archives are unpacked with GNU tar as
 * root (owners, modes, links and device nodes kept) into a private folder, then renamed into place, so
 * two runs unpacking the same archive at once cannot corrupt it: one rename wins, the other is discarded.
 * An archive named in a spec is stored under its content digest ({@code sha256-<first 16 hex>}).
 */
public final class ImageStore {
    /** Lowercase, and the lab's debian-stable+python+iproute2 is a valid name; no sha256- prefix (archives use it). */
    private static final java.util.regex.Pattern IMAGE_NAME = java.util.regex.Pattern.compile("(?!sha256-)[a-z0-9][a-z0-9+._-]{0,127}");
    /** An archive's image is named for the first 16 hex digits of its SHA-256. */
    private static final int DIGEST_CHARS = 16;
    private static final String ARCHIVE_NAME = "sha256-[0-9a-f]{" + DIGEST_CHARS + "}";
    private final Kernel kernel;
    private final Path root;
    private final ArchiveDigests digests;

    public ImageStore(Kernel kernel, Path dataRoot) {
        this.kernel = kernel;
        this.root = dataRoot.resolve("images");
        this.digests = new ArchiveDigests(root);
    }

    public record Image(String name, Path rootfs, String source) {}

    /**
     * Where a spec's image is, or will be once {@link #ensure} has unpacked it. Reads, changes nothing. For
     * an archive, its digest, which {@link #ensure} remembers.
     */
    public record Resolved(String display, Path rootfs, Path archive, ArchiveDigests.Known digest, List<Path> layers, ImageRecord oci) {
        /** A rootfs image: one folder. */
        public Resolved(String display, Path rootfs, Path archive, ArchiveDigests.Known digest) {
            this(display, rootfs, archive, digest, List.of(rootfs), null);
        }

        public boolean needsUnpack() {
            return archive != null && !Files.isDirectory(rootfs);
        }

        /** The image's defaults (entrypoint, cmd, env...); none for a rootfs image. */
        public ImageConfig config() {
            return oci == null ? ImageConfig.NONE : oci.imageConfig();
        }
    }

    public Resolved resolve(String container, ImageRef ref) throws ContainerError {
        if (ref instanceof ImageRef.Directory d) {
            if (!Files.isDirectory(d.path())) {
                throw new ContainerError(container, "image", "rootfs folder " + d.path() + " does not exist");
            }
            return new Resolved(d.path().toString(), d.path(), null, null);
        }
        if (ref instanceof ImageRef.Archive a) {
            if (!Files.isRegularFile(a.path())) {
                throw new ContainerError(container, "image", "image archive " + a.path() + " does not exist");
            }
            ArchiveDigests.Known digest = digest(container, a.path());
            String name = "sha256-" + digest.sha256().substring(0, DIGEST_CHARS);
            return new Resolved(a.path().toString(), rootfsOf(name), a.path(), digest);
        }
        String name = ((ImageRef.Stored) ref).name();
        Path rootfs = rootfsOf(name);
        if (!Files.isDirectory(rootfs) || name.contains("/") || name.contains(":") || name.contains("@")) {
            OciStore oci = new OciStore(kernel, root.getParent());
            Optional<ImageRecord> record = oci.find(name);
            if (record.isPresent()) {
                List<Path> layers = oci.lowerDirs(record.get());
                if (layers.isEmpty()) {
                    throw new ContainerError(container, "image", "image " + record.get().reference() + " has no layers");
                }
                return new Resolved(record.get().reference(), layers.get(0), null, null, layers, record.get());
            }
            List<String> names = new ArrayList<>(list().stream().map(Image::name).toList());
            oci.list().forEach(r -> names.add(r.reference()));
            throw new ContainerError(container, "image", "no image named '" + name + "' in " + root
                    + Suggestions.didYouMean(name, names) + "; get it with 'contain pull " + name + "', or import one with 'contain image import ARCHIVE --name "
                    + name + "' (or 'make image' for busybox)");
        }
        return new Resolved(name, rootfs, null, null);
    }

    /**
     * Told of each temporary file or folder the store is about to make, before it exists, so that a run
     * can journal it and {@code contain gc} remove it if the engine is killed meanwhile.
     */
    @FunctionalInterface
    public interface WriteAhead {
        WriteAhead NONE = made -> {};

        void before(Path made) throws IOException;
    }

    /** Unpacks an archive image if it is not in the store yet. */
    public void ensure(String container, Resolved image, WriteAhead writeAhead) throws ContainerError {
        if (image.digest() != null) {
            digests.remember(image.digest(), writeAhead);
        }
        if (image.needsUnpack()) {
            unpack(container, image.archive(), image.rootfs().getParent(), image.archive().toString(), writeAhead);
        }
    }

    public Image importArchive(Path archive, String name) throws ContainerError {
        if (!IMAGE_NAME.matcher(name).matches()) {
            throw new ContainerError(null, "image", "'" + name + "' is not a valid image name: use lowercase letters, digits, '-', '+', '.' and '_'");
        }
        if (!Files.isRegularFile(archive)) {
            throw new ContainerError(null, "image", "archive " + archive + " does not exist");
        }
        Path dir = root.resolve(name);
        if (Files.exists(dir)) {
            throw new ContainerError(null, "image", "an image named '" + name + "' exists; remove it first with 'contain image rm " + name + "'");
        }
        unpack(null, archive, dir, archive.toAbsolutePath().toString(), WriteAhead.NONE);
        return new Image(name, dir.resolve("rootfs"), archive.toString());
    }

    public List<Image> list() {
        List<Image> images = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.sorted().toList()) {
                if (Files.isDirectory(dir.resolve("rootfs")) && !dir.getFileName().toString().startsWith(".")) {
                    String source = Files.exists(dir.resolve("source")) ? Files.readString(dir.resolve("source")).trim() : "";
                    images.add(new Image(dir.getFileName().toString(), dir.resolve("rootfs"), source));
                }
            }
        } catch (IOException e) {
            return images;
        }
        return images;
    }

    public void remove(String name) throws ContainerError {
        Path dir = root.resolve(name);
        if (name.contains("/") || !Files.isDirectory(dir.resolve("rootfs"))) {
            throw new ContainerError(null, "image", "no image named '" + name + "'");
        }
        Path doomed = root.resolve(".removing-" + name + "-" + ProcessHandle.current().pid());
        try (Leftovers.Work ignored = Leftovers.writer(kernel, root.getParent())) {
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            TestHooks.point("image:removing");
            kernel.deleteTree(doomed);
            RangeCopies.forget(kernel, root.getParent(), name); // its copies chowned for id ranges
        } catch (IOException e) {
            throw new ContainerError(null, "image", "cannot remove " + dir + ": " + e.getMessage());
        }
        if (name.matches(ARCHIVE_NAME)) { // an archive's image: its digest memo would name an image that is gone
            digests.forget(name.substring("sha256-".length()));
        }
    }

    private Path rootfsOf(String name) {
        return root.resolve(name).resolve("rootfs");
    }

    private void unpack(String container, Path archive, Path dir, String source, WriteAhead writeAhead) throws ContainerError {
        Path tmp = null;
        try (Leftovers.Work ignored = Leftovers.writer(kernel, root.getParent())) {
            Path fresh = root.resolve(".unpack-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()));
            writeAhead.before(fresh);
            tmp = Files.createDirectory(fresh);
            TestHooks.point("image:unpacking");
            Path rootfs = Files.createDirectory(tmp.resolve("rootfs"));
            Process tar = new ProcessBuilder("tar", "--extract", "--file", archive.toString(), "--directory", rootfs.toString(),
                    "--numeric-owner", "--same-owner", "--preserve-permissions", "--xattrs", "--xattrs-include=*")
                    .redirectErrorStream(true).start();
            String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (tar.waitFor() != 0) {
                throw new ContainerError(container, "image", "cannot unpack " + archive + ": " + output);
            }
            Files.writeString(tmp.resolve("source"), source + "\n");
            TestHooks.point("image:unpacked");
            try (StoreLock rename = StoreLock.rename(root.getParent())) {
                if (!Files.exists(dir)) {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                    tmp = null;
                }
            }
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            // another run unpacked it first: theirs is as good as ours
        } catch (IOException e) {
            throw new ContainerError(container, "image", "cannot unpack " + archive + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerError(container, "image", "interrupted while unpacking " + archive);
        } finally {
            if (tmp != null) {
                try {
                    kernel.deleteTree(tmp);
                } catch (IOException ignored) {
                    // contain gc removes it (a leftover once this writer's store lock is released)
                }
            }
        }
    }

    /**
     * The archive's SHA-256: remembered by its stamp, else computed. A file that changed while it was read
     * gets no stamp: its digest is not remembered.
     */
    private ArchiveDigests.Known digest(String container, Path file) throws ContainerError {
        try {
            String stamp = ArchiveDigests.stamp(file);
            Optional<String> known = digests.lookup(stamp);
            if (known.isPresent()) {
                return new ArchiveDigests.Known(stamp, known.get());
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                }
            }
            String sha256 = HexFormat.of().formatHex(sha.digest());
            return new ArchiveDigests.Known(stamp.equals(ArchiveDigests.stamp(file)) ? stamp : null, sha256);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new ContainerError(container, "image", "cannot read " + file + ": " + e.getMessage());
        }
    }
}
