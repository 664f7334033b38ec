package dev.contain.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Manifest and index parsing, and the layer names the unpacker refuses, without the kernel. */
class ManifestsTest {
    private static final String D1 = "sha256:" + "1".repeat(64), D2 = "sha256:" + "2".repeat(64), D3 = "sha256:" + "3".repeat(64);

    private static com.fasterxml.jackson.databind.JsonNode json(String s) throws IOException {
        return Manifests.parse(s.getBytes(StandardCharsets.UTF_8), "test");
    }

    @Test
    void anIndexGivesTheLinuxAmd64Entry() throws IOException {
        var index = json("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" + D1 + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                + "{\"digest\":\"" + D2 + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
                + "{\"digest\":\"" + D3 + "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}");
        assertTrue(Manifests.isIndex(null, index), "an index by shape, without a media type");
        assertEquals(D2, Manifests.pick(Manifests.entries(index), "i").digest());
        var armOnly = json("{\"mediaType\":\"" + Manifests.DOCKER_LIST + "\",\"manifests\":[{\"digest\":\"" + D1
                + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}");
        IOException e = assertThrows(IOException.class, () -> Manifests.pick(Manifests.entries(armOnly), "index x"));
        assertEquals("index x has no image for linux/amd64 (it has linux/arm64)", e.getMessage());
    }

    @Test
    void manifestsOfBothKindsAndWhatIsRefused() throws IOException {
        var m = Manifests.manifest(json("{\"schemaVersion\":2,\"mediaType\":\"" + Manifests.DOCKER_MANIFEST + "\",\"config\":{\"digest\":\"" + D1
                + "\"},\"layers\":[{\"digest\":\"" + D2 + "\",\"size\":5},{\"digest\":\"" + D3 + "\"}]}"), "m");
        assertEquals(D1, m.config().digest());
        assertEquals(List.of(D2, D3), m.layers().stream().map(Manifests.Descriptor::digest).toList());
        assertFalse(Manifests.isIndex(Manifests.OCI_MANIFEST, json("{\"layers\":[]}")));
        assertThrows(IOException.class, () -> Manifests.manifest(json("{\"schemaVersion\":1,\"fsLayers\":[]}"), "old"));
        IOException bad = assertThrows(IOException.class, () -> Manifests.manifest(json("{\"schemaVersion\":2,\"config\":{\"digest\":\"md5:x\"},\"layers\":[]}"), "m"));
        assertEquals("m config has no sha256 digest ('md5:x')", bad.getMessage());
        assertThrows(IOException.class, () -> Manifests.parse("[1,".getBytes(StandardCharsets.UTF_8), "broken"));
    }

    @Test
    void layerNamesThatLeaveTheLayerAreRefused() throws IOException {
        assertEquals(List.of("a", "b"), LayerUnpacker.components("./a//b/"));
        assertEquals(List.of(), LayerUnpacker.components("./"));
        assertThrows(LayerUnpacker.Refused.class, () -> LayerUnpacker.components("a/../../b"));
        assertThrows(LayerUnpacker.Refused.class, () -> LayerUnpacker.components("/etc/passwd"));
        assertEquals(Compression.GZIP, Compression.of(new byte[] {0x1f, (byte) 0x8b, 0, 0}, 4));
        assertEquals(Compression.ZSTD, Compression.of(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, 4));
        assertEquals(Compression.NONE, Compression.of(new byte[] {'.', '/', 0, 0}, 4));
    }
}
