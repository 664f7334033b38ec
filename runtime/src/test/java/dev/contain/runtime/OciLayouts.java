package dev.contain.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Hand-made layers and OCI layouts, for what real tools never write (escapes, opaque folders, 120 layers). */
final class OciLayouts {
    private OciLayouts() {}

    /** One tar entry: a file (content), folder (name ends in /), symlink or hard link (link set), or device. */
    record Entry(String name, byte type, String content, String link, int mode, Map<String, String> pax) {
        static Entry file(String name, String content) {
            return new Entry(name, TarArchiveEntry.LF_NORMAL, content, null, 0644, Map.of());
        }

        static Entry dir(String name) {
            return new Entry(name, TarArchiveEntry.LF_DIR, null, null, 0755, Map.of());
        }

        static Entry symlink(String name, String to) {
            return new Entry(name, TarArchiveEntry.LF_SYMLINK, null, to, 0777, Map.of());
        }

        static Entry hardlink(String name, String to) {
            return new Entry(name, TarArchiveEntry.LF_LINK, null, to, 0644, Map.of());
        }
    }

    static byte[] tar(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry t = new TarArchiveEntry(e.name(), e.type(), true); // preserve names as given ("../x", "/x")
                t.setMode(e.mode());
                if (e.link() != null) {
                    t.setLinkName(e.link());
                }
                if (e.type() == TarArchiveEntry.LF_CHR) {
                    t.setDevMajor(1);
                    t.setDevMinor(3);
                }
                e.pax().forEach(t::addPaxHeader);
                byte[] content = e.content() == null ? new byte[0] : e.content().getBytes(StandardCharsets.UTF_8);
                t.setSize(content.length);
                t.setUserId(1234);
                t.setGroupId(5678);
                t.setModTime(1_700_000_000_000L);
                out.putArchiveEntry(t);
                out.write(content);
                out.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] b) throws IOException {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }

    /** An OCI image layout folder with these (uncompressed) layers, bottom first, and this config's "config". */
    static Path layout(Path dir, List<byte[]> layers, String imageConfig, String refName) throws IOException {
        List<String> diffIds = new ArrayList<>();
        for (byte[] l : layers) {
            diffIds.add(sha256(l));
        }
        return layout(dir, layers, diffIds, imageConfig, refName);
    }

    /** The same with layer blobs as given (compressed, say) and the config's diff_ids as given (true or not). */
    static Path layout(Path dir, List<byte[]> layers, List<String> layerDiffIds, String imageConfig, String refName) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        List<String> diffIds = new ArrayList<>();
        StringBuilder layerDescs = new StringBuilder();
        for (int i = 0; i < layers.size(); i++) {
            byte[] l = layers.get(i);
            String d = write(blobs, l);
            diffIds.add("\"" + layerDiffIds.get(i) + "\"");
            layerDescs.append(layerDescs.length() == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"")
                    .append(d).append("\",\"size\":").append(l.length).append('}');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\",\"config\":" + imageConfig
                + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = write(blobs, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":["
                + layerDescs + "]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = write(blobs, manifest);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},"
                + "\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}}]}");
        return dir;
    }

    /** A docker-archive (docker save's format) of one image: these layer tars, and the config's diff_ids as given. */
    static Path dockerArchive(Path file, List<byte[]> layers, List<String> diffIds, String tag) throws IOException {
        StringBuilder ids = new StringBuilder();
        StringBuilder names = new StringBuilder();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            ids.append(i == 0 ? "" : ",").append('"').append(diffIds.get(i)).append('"');
            names.append(i == 0 ? "" : ",").append("\"l").append(i).append("/layer.tar\"");
        }
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}";
        entries.add(Entry.file("config.json", config));
        entries.add(Entry.file("manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[" + names + "]}]"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            for (Entry e : entries) {
                byte[] content = e.content().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry t = new TarArchiveEntry(e.name());
                t.setSize(content.length);
                out.putArchiveEntry(t);
                out.write(content);
                out.closeArchiveEntry();
            }
            for (int i = 0; i < layers.size(); i++) {
                TarArchiveEntry t = new TarArchiveEntry("l" + i + "/layer.tar");
                t.setSize(layers.get(i).length);
                out.putArchiveEntry(t);
                out.write(layers.get(i));
                out.closeArchiveEntry();
            }
        }
        Files.write(file, bytes.toByteArray());
        return file;
    }

    private static String write(Path blobs, byte[] b) throws IOException {
        String d = sha256(b);
        Files.write(blobs.resolve(d.substring(7)), b);
        return d;
    }
}
