package dev.contain.runtime.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.json.JsonReader;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.spec.ImageRef;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * OCI images: records ({@link ImageRecord}) over the shared {@link LayerStore}. Import and pull hand it
 * a config and layer blobs; it unpacks the layers the store lacks and writes the record last, so an image
 * is listed only once all its layers are in place.
 */
public final class OciStore {
    /** A layer blob as a manifest names it: its digest (null: none known, as in a docker-archive) and how to read it. */
    public record Blob(String digest, Opener opener) {}

    public interface Opener {
        InputStream open() throws IOException;
    }

    /** Told about each layer as it is stored (for progress lines). */
    public interface Listener {
        void layer(String diffId, boolean present);
    }

    private final Kernel kernel;
    private final Path dataRoot;
    private final Path images;
    private final LayerStore layers;

    public OciStore(Kernel kernel, Path dataRoot) {
        this.kernel = kernel;
        this.dataRoot = dataRoot;
        this.images = dataRoot.resolve("images");
        this.layers = new LayerStore(kernel, dataRoot);
    }

    Path dataRoot() {
        return dataRoot;
    }

    Kernel kernel() {
        return kernel;
    }

    public LayerStore layers() {
        return layers;
    }

    /**
     * Stores an image: the config (checked against {@code configDigest} when given), then each layer the
     * store lacks, each checked against the config's diff_ids, then the record.
     */
    public ImageRecord store(String name, String tag, String manifestDigest, byte[] config, String configDigest, List<Blob> blobs,
                             Listener listener) throws IOException {
        String id = digest(config);
        if (configDigest != null && !configDigest.equals(id)) {
            throw new IOException("image config " + configDigest + " does not match its digest (" + id + ")");
        }
        JsonNode c;
        try { // one level shallower than the reader's limit: the record holds the config one level down
            c = JsonReader.read(config, JsonReader.MAX_DEPTH - 1);
        } catch (JsonReader.SyntaxError e) {
            throw new IOException("the image config is not valid JSON: " + e.getMessage());
        }
        List<String> diffIds = new ArrayList<>();
        c.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        if (diffIds.size() != blobs.size()) {
            throw new IOException("the manifest lists " + blobs.size() + " layers but the config's rootfs.diff_ids " + diffIds.size());
        }
        List<ImageRecord.Layer> stored = new ArrayList<>();
        for (int i = 0; i < blobs.size(); i++) {
            String diffId = diffIds.get(i);
            LayerStore.check(diffId);
            boolean present = layers.has(diffId);
            if (!present) {
                try (InputStream in = blobs.get(i).opener().open()) {
                    layers.add(diffId, blobs.get(i).digest(), in);
                }
            }
            if (listener != null) {
                listener.layer(diffId, present);
            }
            stored.add(new ImageRecord.Layer(diffId, layers.size(diffId)));
        }
        ImageRecord record = new ImageRecord(name, tag, id, manifestDigest, List.copyOf(stored), c);
        save(record);
        return record;
    }

    private void save(ImageRecord r) throws IOException {
        Files.createDirectories(images);
        Path tmp = Files.createTempFile(images, ".record-", ".tmp");
        Files.write(tmp, r.toJson());
        Files.move(tmp, file(r.reference()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path file(String reference) {
        return images.resolve(URLEncoder.encode(reference, StandardCharsets.UTF_8) + ".json");
    }

    public List<ImageRecord> list() {
        List<ImageRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".json") && !n.startsWith(".")) {
                    read(p).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * The image a name or reference means: {@code NAME[:TAG]} (tag latest by default; a name without a
     * registry also matches it under localhost/ and docker.io/library/), or {@code NAME@sha256:...} (the
     * manifest's digest or the image id).
     */
    public Optional<ImageRecord> find(String text) {
        ImageRef.Reference ref = ImageRef.Reference.parse(text);
        if (ref == null) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>(List.of(ref.name()));
        if (ref.domain() == null) {
            names.add("localhost/" + ref.path());
            names.add("docker.io/" + (ref.path().contains("/") ? "" : "library/") + ref.path());
        }
        if (ref.digest() == null) { // a tag names its record's file: one record read, however many images there are
            String tag = ref.tag() == null ? "latest" : ref.tag();
            for (String n : names) {
                Optional<ImageRecord> r = read(file(n + ":" + tag));
                if (r.isPresent() && r.get().name().equals(n) && r.get().tag().equals(tag)) {
                    return r;
                }
            }
            return Optional.empty();
        }
        List<ImageRecord> all = list();
        for (String n : names) {
            for (ImageRecord r : all) {
                if (r.name().equals(n) && (ref.digest().equals(r.digest()) || ref.digest().equals(r.id()))) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    /** The record in {@code file}; none if it is missing, being replaced or damaged (not an image). */
    private static Optional<ImageRecord> read(Path file) {
        try {
            return Optional.of(ImageRecord.fromJson(Files.readAllBytes(file)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The lower folders of an image, top layer first (as overlayfs wants them). */
    public List<Path> lowerDirs(ImageRecord r) {
        List<Path> dirs = new ArrayList<>();
        for (int i = r.layers().size() - 1; i >= 0; i--) {
            dirs.add(layers.dir(r.layers().get(i).diffId()));
        }
        return dirs;
    }

    /** Forgets an image (its layers stay until {@link #prune}); refused while a running container uses it. */
    public void remove(ImageRecord r, Path runRoot) throws IOException {
        Optional<String> user = userOf(r, runRoot);
        if (user.isPresent()) {
            throw new IOException("image " + r.reference() + " is in use by the running container \"" + user.get() + "\"");
        }
        Files.deleteIfExists(file(r.reference()));
    }

    /** The name of a running container using the image, if any (its state folder's image file; see ImageStage). */
    private Optional<String> userOf(ImageRecord r, Path runRoot) {
        try (Stream<Path> s = Files.list(runRoot)) {
            for (Path state : s.toList()) {
                Path image = state.resolve(IMAGE_FILE);
                if (Files.isRegularFile(image) && Files.readString(image).trim().equals(r.id())
                        && ProcessStamp.read(kernel, state.resolve("engine")).filter(p -> p.alive(kernel)).isPresent()) {
                    return Optional.of(state.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** In a container's state folder: the id of the OCI image it runs. */
    public static final String IMAGE_FILE = "image";

    /**
     * Removes the layers no image uses, and every leftover of killed imports and pulls (partial downloads
     * too), under the store lock held exclusive: waits for running imports and pulls to finish.
     */
    public List<String> prune() throws IOException {
        try (dev.contain.runtime.kernel.StoreLock ignored = dev.contain.runtime.kernel.StoreLock.exclusive(dataRoot)) {
            Leftovers.remove(kernel, dataRoot, true);
            Set<String> used = new HashSet<>();
            list().forEach(r -> r.layers().forEach(l -> used.add(l.diffId())));
            return layers.prune(used);
        }
    }

    static String digest(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(LayerUnpacker.sha256().digest(bytes));
    }

    static String decode(String fileName) {
        return URLDecoder.decode(fileName, StandardCharsets.UTF_8);
    }
}
