package dev.contain.runtime.image;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Layers by content: each unpacked once into {@code <data root>/layers/<hex of its diffid>}, shared by
 * every image that has it, with a short link {@code <data root>/l/<first 12 hex>} to it for the overlay's
 * mount options (see {@link #shortLink}). A layer is unpacked into a private {@code .tmp-} folder and
 * renamed into place only once its diffid checked out: two unpacks of one layer at once cannot corrupt it
 * (one rename wins), and a killed unpack never becomes a layer ({@link Leftovers} removes what it left).
 */
public final class LayerStore {
    static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    static final int SHORT = 12;

    private final Kernel kernel;
    private final Path dataRoot;
    private final Path layers;
    private final Path links;
    private final Path sizes;

    public LayerStore(Kernel kernel, Path dataRoot) {
        this.kernel = kernel;
        this.dataRoot = dataRoot;
        this.layers = dataRoot.resolve("layers");
        this.links = dataRoot.resolve("l");
        this.sizes = layers.resolve(".sizes");
    }

    /** The size of a layer's tar, as recorded when it was unpacked (0 if unknown). */
    public long size(String diffId) {
        try {
            return Long.parseLong(Files.readString(sizes.resolve(hex(diffId))).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The folder of a layer, whether it is unpacked yet or not. */
    public Path dir(String diffId) {
        return layers.resolve(hex(diffId));
    }

    public boolean has(String diffId) {
        return Files.isDirectory(dir(diffId)) && Files.isSymbolicLink(links.resolve(hex(diffId).substring(0, SHORT)));
    }

    /**
     * The layer's lowerdir as the overlay's mount options name it: {@code l/<12 hex>}, relative to the data
     * root, which is the native init's working folder. 120 layers fit in a page this way (15 bytes each,
     * where absolute paths under a long data root take 100), as podman does.
     */
    public static String shortLink(Path dataRoot, Path lowerDir) {
        Path layers = dataRoot.resolve("layers");
        if (lowerDir.getParent() != null && lowerDir.getParent().equals(layers)) {
            String hex = lowerDir.getFileName().toString();
            if (hex.length() == 64) {
                return "l/" + hex.substring(0, SHORT);
            }
        }
        return null;
    }

    /**
     * Unpacks a layer blob (compressed or not) unless the store has it; verifies the blob's own digest when
     * given ({@code blobDigest}, null for none) and the diffid (the digest of the uncompressed tar).
     * Returns the size of the uncompressed layer.
     */
    public long add(String diffId, String blobDigest, InputStream blob) throws IOException {
        check(diffId);
        Path target = dir(diffId);
        Files.createDirectories(layers);
        Files.createDirectories(links);
        Path tmp = Files.createTempDirectory(layers, ".tmp-");
        try {
            kernel.nativeFiles(dataRoot).chmod(tmp, 0755); // a layer without a "./" entry gets the usual root mode
            MessageDigest blobSha = blobDigest == null ? null : LayerUnpacker.sha256();
            InputStream raw = blobSha == null ? blob : new DigestInputStream(blob, blobSha);
            LayerUnpacker.CountingDigest tar = new LayerUnpacker.CountingDigest(Compression.decompress(raw), LayerUnpacker.sha256());
            // decompressed and hashed by a thread of its own, ahead of the unpacking; both streams read to their ends
            try (ReadAhead ahead = new ReadAhead(tar, () -> raw.transferTo(OutputStream.nullOutputStream()))) {
                try {
                    new LayerUnpacker(kernel, kernel.nativeFiles(dataRoot), tmp).unpack(ahead);
                } catch (IOException e) {
                    // a corrupt blob often fails to decompress or parse before its digest is known: the digest says why
                    if (blobSha != null) {
                        try {
                            ahead.transferTo(OutputStream.nullOutputStream());
                        } catch (IOException ignored) {
                            // the source's own failure, met again
                        }
                    }
                    if (blobSha != null && ahead.finished() && !blobDigest.equals("sha256:" + HexFormat.of().formatHex(blobSha.digest()))) {
                        throw new Corrupt("blob " + blobDigest + " does not match its digest (corrupted or tampered with)");
                    }
                    throw e;
                }
            }
            if (blobDigest != null && !blobDigest.equals("sha256:" + HexFormat.of().formatHex(blobSha.digest()))) {
                throw new Corrupt("blob " + blobDigest + " does not match its digest (corrupted or tampered with)");
            }
            String got = "sha256:" + HexFormat.of().formatHex(tar.getMessageDigest().digest());
            if (!got.equals(diffId)) {
                throw new IOException("layer " + diffId + " unpacks to content with digest " + got + " (corrupted or tampered with)");
            }
            dev.contain.runtime.kernel.TestHooks.point("layer:unpacked");
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                // another unpack of the same layer won: its copy is as good as ours
            }
            Files.createDirectories(sizes);
            Files.writeString(sizes.resolve(hex(diffId)), tar.count + "\n");
            link(diffId);
            return tar.count;
        } finally {
            if (tmp != null) {
                kernel.deleteTree(tmp);
            }
        }
    }

    /** A blob whose bytes are not those its digest names. */
    public static final class Corrupt extends IOException {
        Corrupt(String message) {
            super(message);
        }
    }

    private void link(String diffId) throws IOException {
        String hex = hex(diffId);
        Path link = links.resolve(hex.substring(0, SHORT));
        Path to = Path.of("..", "layers", hex);
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(to)) {
            return;
        }
        Path tmp = links.resolve(".tmp-" + hex.substring(0, SHORT) + "-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, to);
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Removes the layers no image uses; returns their diffids. The caller holds the store lock exclusive
     * (see {@link Leftovers}): no import or pull is between checking for a layer and recording its image.
     */
    public List<String> prune(Set<String> used) throws IOException {
        List<String> removed = new java.util.ArrayList<>();
        if (!Files.isDirectory(layers)) {
            return removed;
        }
        try (Stream<Path> s = Files.list(layers)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.length() == 64 && !used.contains("sha256:" + name)) {
                    Files.deleteIfExists(links.resolve(name.substring(0, SHORT)));
                    Files.deleteIfExists(sizes.resolve(name));
                    removed.add("sha256:" + name);
                    // out of the way first: a half-deleted layer must not stay under its name (a leftover if killed)
                    Path doomed = layers.resolve(".tmp-removing-" + name);
                    Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
                    kernel.deleteTree(doomed);
                }
            }
        }
        return removed;
    }

    static void check(String digest) throws IOException {
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            throw new IOException("'" + digest + "' is not a sha256 digest");
        }
    }

    static String hex(String digest) {
        return digest.substring("sha256:".length());
    }
}
