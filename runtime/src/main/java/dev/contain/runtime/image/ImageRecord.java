package dev.contain.runtime.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.contain.runtime.json.JsonReader;
import dev.contain.runtime.json.JsonWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image in the store: its name and tag, id (the config's digest), the manifest's digest (for
 * {@code NAME@sha256:...}), its layers bottom first by diffid with their unpacked sizes, and its config.
 * Kept as {@code <data root>/images/<name:tag, URL-encoded>.json}.
 */
public record ImageRecord(String name, String tag, String id, String digest, List<Layer> layers, JsonNode config) {
    public record Layer(String diffId, long size) {}

    public String reference() {
        return name + ":" + tag;
    }

    public long size() {
        return layers.stream().mapToLong(Layer::size).sum();
    }

    public String created() {
        return config.path("created").asText("");
    }

    public ImageConfig imageConfig() {
        return ImageConfig.of(config);
    }

    byte[] toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name).put("tag", tag).put("id", id).put("digest", digest);
        ArrayNode l = o.putArray("layers");
        layers.forEach(x -> l.addObject().put("diffId", x.diffId()).put("size", x.size()));
        o.set("config", config);
        return JsonWriter.pretty(o).getBytes(StandardCharsets.UTF_8);
    }

    static ImageRecord fromJson(byte[] bytes) throws IOException {
        JsonNode o = JsonReader.read(bytes);
        List<Layer> layers = new ArrayList<>();
        o.path("layers").forEach(x -> layers.add(new Layer(x.path("diffId").asText(), x.path("size").asLong())));
        return new ImageRecord(o.path("name").asText(), o.path("tag").asText(), o.path("id").asText(),
                o.path("digest").asText(null), List.copyOf(layers), o.path("config"));
    }
}
