package dev.contain.runtime.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.json.JsonReader;
import dev.contain.spec.ImageRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports OCI image layouts (a folder or a tar of one: what {@code podman save --format oci-archive} and
 * {@code skopeo copy oci-archive:} write) and docker-archives ({@code docker save}, {@code podman save}),
 * one image or several, into the {@link OciStore}. The format is told from the content: an {@code oci-layout}
 * and {@code index.json} make a layout, a {@code manifest.json} a docker-archive; any other archive is a
 * plain rootfs (see {@link ImageStore#importArchive}).
 */
public final class ArchiveImport {
    public enum Format { ROOTFS, OCI_LAYOUT, DOCKER_ARCHIVE }

    private static final int METADATA_LIMIT = 4 << 20;

    /** One image found in an archive: its own name and tag (null when it gives none), manifest digest, config and layers. */
    private record Found(String name, String tag, String manifestDigest, String configPath, String configDigest, List<OciStore.Blob> layers) {}

    private final OciStore store;

    public ArchiveImport(OciStore store) {
        this.store = store;
    }

    public static Format detect(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            byte[] head = new byte[6];
            int n;
            try (InputStream in = Files.newInputStream(path)) {
                n = in.readNBytes(head, 0, head.length);
            }
            boolean bzip2 = n >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h';
            if (bzip2 || Compression.of(head, n) != Compression.NONE) {
                return Format.ROOTFS; // image archives are plain tars: a compressed one is a rootfs
            }
        }
        try (ImageSource s = ImageSource.of(path)) {
            if (s.exists("oci-layout") && s.exists("index.json")) {
                return Format.OCI_LAYOUT;
            }
            if (s.exists("manifest.json")) {
                return Format.DOCKER_ARCHIVE;
            }
        } catch (IOException e) {
            if (Files.isDirectory(path)) {
                throw e;
            }
            return Format.ROOTFS; // not a tar Commons Compress reads: GNU tar will say what it is
        }
        if (Files.isDirectory(path)) {
            throw new IOException(path + " is a folder without an oci-layout and index.json, or a manifest.json: not an image");
        }
        return Format.ROOTFS;
    }

    /**
     * Imports every image of the archive (for a multi-platform index, its linux/amd64 one). {@code name}
     * ({@code NAME[:TAG]}, or null) names the image; then the archive must hold exactly one.
     */
    public List<ImageRecord> importImages(Path path, Format format, String name, String defaultName, OciStore.Listener listener)
            throws IOException {
        try (Leftovers.Work ignored = Leftovers.writer(store.kernel(), store.dataRoot()); ImageSource s = ImageSource.of(path)) {
            List<Found> found = format == Format.OCI_LAYOUT ? ociLayout(s) : dockerArchive(s);
            if (found.isEmpty()) {
                throw new IOException(path + " holds no image");
            }
            if (name != null && found.stream().map(Found::configPath).distinct().count() > 1) {
                throw new IOException(path + " holds " + found.size() + " images: import it without --name (each keeps its own)");
            }
            List<ImageRecord> out = new ArrayList<>();
            for (Found f : found) {
                String[] nt = nameAndTag(name != null ? name : f.name() != null ? f.name() : defaultName, f.tag()); // --name NAME keeps the archive's tag
                byte[] config = s.read(f.configPath(), METADATA_LIMIT);
                out.add(store.store(nt[0], nt[1], f.manifestDigest(), config, f.configDigest(), f.layers(), listener));
                if (name != null) {
                    break; // one image under several tags: stored once under the given name
                }
            }
            return out;
        }
    }

    /** NAME[:TAG] split, the tag "latest" by default; refused unless it is an image reference. */
    static String[] nameAndTag(String text, String tag) throws IOException {
        ImageRef.Reference r = ImageRef.Reference.parse(text);
        if (r == null || r.digest() != null) {
            throw new IOException("'" + text + "' is not a valid image name: use lowercase letters, digits, '.', '_', '-' and '/', "
                    + "and :TAG, like debian:12 or localhost/web:1.0");
        }
        return new String[] {r.name(), r.tag() != null ? r.tag() : tag != null ? tag : "latest"};
    }

    private List<Found> ociLayout(ImageSource s) throws IOException {
        JsonNode index = Manifests.parse(s.read("index.json", METADATA_LIMIT), "index.json");
        List<Found> found = new ArrayList<>();
        for (Manifests.Descriptor d : Manifests.entries(index)) {
            if (!d.forThisPlatform()) {
                continue;
            }
            String refName = d.annotations().getOrDefault("io.containerd.image.name", d.annotations().get("org.opencontainers.image.ref.name"));
            String name = null;
            String tag = null;
            if (refName != null) {
                ImageRef.Reference r = ImageRef.Reference.parse(refName);
                if (r != null && (refName.contains(":") || refName.contains("/"))) {
                    name = r.name();
                    tag = r.tag();
                } else if (refName.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
                    tag = refName; // OCI's ref.name is often only the tag
                }
            }
            Manifests.Descriptor m = d;
            byte[] doc = blob(s, m);
            JsonNode json = Manifests.parse(doc, "manifest " + m.digest());
            if (Manifests.isIndex(m.mediaType(), json)) {
                m = Manifests.pick(Manifests.entries(json), "index " + d.digest());
                json = Manifests.parse(blob(s, m), "manifest " + m.digest());
            }
            Manifests.Manifest manifest = Manifests.manifest(json, "manifest " + m.digest());
            List<OciStore.Blob> layers = new ArrayList<>();
            for (Manifests.Descriptor l : manifest.layers()) {
                String p = blobPath(l.digest());
                layers.add(new OciStore.Blob(l.digest(), () -> s.open(p)));
            }
            found.add(new Found(name, tag, m.digest(), blobPath(manifest.config().digest()), manifest.config().digest(), layers));
        }
        return found;
    }

    /** A small blob (a manifest or an index), checked against its digest. */
    private static byte[] blob(ImageSource s, Manifests.Descriptor d) throws IOException {
        byte[] b = s.read(blobPath(d.digest()), METADATA_LIMIT);
        if (!OciStore.digest(b).equals(d.digest())) {
            throw new IOException("blob " + d.digest() + " does not match its digest (corrupted or tampered with)");
        }
        return b;
    }

    private static String blobPath(String digest) {
        return "blobs/sha256/" + LayerStore.hex(digest);
    }

    private List<Found> dockerArchive(ImageSource s) throws IOException {
        JsonNode manifest;
        try {
            manifest = JsonReader.read(s.read("manifest.json", METADATA_LIMIT));
        } catch (JsonReader.SyntaxError e) {
            throw new IOException("manifest.json is not valid JSON: " + e.getMessage());
        }
        if (!manifest.isArray()) {
            throw new IOException("manifest.json is not a list of images");
        }
        List<Found> found = new ArrayList<>();
        for (JsonNode image : manifest) {
            String config = image.path("Config").asText("");
            if (config.isEmpty() || !s.exists(config)) {
                throw new IOException("manifest.json names a config '" + config + "' the archive does not have");
            }
            List<OciStore.Blob> layers = new ArrayList<>();
            for (JsonNode l : image.path("Layers")) {
                String p = l.asText();
                layers.add(new OciStore.Blob(null, () -> s.open(p))); // no digest but the config's diff_ids
            }
            List<String> tags = new ArrayList<>();
            image.path("RepoTags").forEach(t -> tags.add(t.asText()));
            if (tags.isEmpty()) {
                found.add(new Found(null, null, null, config, null, layers));
            }
            for (String t : tags) {
                ImageRef.Reference r = ImageRef.Reference.parse(t);
                found.add(new Found(r == null ? null : r.name(), r == null ? null : r.tag(), null, config, null, layers));
            }
        }
        return found;
    }
}
