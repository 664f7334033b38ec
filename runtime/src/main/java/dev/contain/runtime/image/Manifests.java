package dev.contain.runtime.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.json.JsonReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** OCI and docker schema 2 manifests and indexes (manifest lists): what the engine reads of them. */
final class Manifests {
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    /** What a pull asks a registry for, best first. */
    static final String ACCEPT = String.join(", ", OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST);
    static final String OS = "linux";
    static final String ARCH = "amd64";

    private Manifests() {}

    record Descriptor(String mediaType, String digest, long size, String os, String architecture, Map<String, String> annotations) {
        boolean forThisPlatform() {
            return os == null || (os.equals(OS) && architecture.equals(ARCH));
        }
    }

    record Manifest(Descriptor config, List<Descriptor> layers) {}

    static JsonNode parse(byte[] json, String what) throws IOException {
        try {
            JsonNode n = JsonReader.read(json);
            if (!n.isObject()) {
                throw new IOException(what + " is not a JSON object");
            }
            return n;
        } catch (JsonReader.SyntaxError e) {
            throw new IOException(what + " is not valid JSON: " + e.getMessage());
        }
    }

    /** An index or manifest list (by media type, or by shape when the type is missing, as OCI allows). */
    static boolean isIndex(String mediaType, JsonNode doc) {
        String t = doc.path("mediaType").asText(mediaType == null ? "" : mediaType);
        return t.equals(OCI_INDEX) || t.equals(DOCKER_LIST) || (t.isEmpty() && doc.has("manifests"));
    }

    static List<Descriptor> entries(JsonNode index) throws IOException {
        List<Descriptor> out = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            out.add(descriptor(m, "index entry"));
        }
        return out;
    }

    /** The entry for linux/amd64 (or one without a platform) of a multi-platform index. */
    static Descriptor pick(List<Descriptor> entries, String what) throws IOException {
        List<String> seen = new ArrayList<>();
        for (Descriptor d : entries) {
            if (d.forThisPlatform() && !"unknown".equals(d.architecture())) {
                return d;
            }
            seen.add(d.os() + "/" + d.architecture());
        }
        throw new IOException(what + " has no image for " + OS + "/" + ARCH + " (it has " + String.join(", ", seen) + ")");
    }

    static Manifest manifest(JsonNode doc, String what) throws IOException {
        if (doc.path("schemaVersion").asInt() != 2) {
            throw new IOException(what + " is a schema " + doc.path("schemaVersion").asText("?") + " manifest; only schema 2 and OCI are supported");
        }
        Descriptor config = descriptor(doc.path("config"), what + " config");
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : doc.path("layers")) {
            Descriptor d = descriptor(l, what + " layer");
            if (d.mediaType() != null && (d.mediaType().contains("foreign") || d.mediaType().contains("nondistributable"))) {
                throw new IOException(what + " has a foreign layer (" + d.mediaType() + "), which is not supported");
            }
            layers.add(d);
        }
        return new Manifest(config, List.copyOf(layers));
    }

    static Descriptor descriptor(JsonNode n, String what) throws IOException {
        String digest = n.path("digest").asText("");
        if (!LayerStore.DIGEST.matcher(digest).matches()) {
            throw new IOException(what + " has no sha256 digest" + (digest.isEmpty() ? "" : " ('" + digest + "')"));
        }
        JsonNode p = n.path("platform");
        Map<String, String> annotations = new LinkedHashMap<>();
        n.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new Descriptor(n.path("mediaType").asText(null), digest, n.path("size").asLong(-1),
                p.isObject() ? p.path("os").asText("") : null, p.isObject() ? p.path("architecture").asText("") : null, Map.copyOf(annotations));
    }
}
