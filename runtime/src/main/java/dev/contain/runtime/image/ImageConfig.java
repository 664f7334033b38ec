package dev.contain.runtime.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What an OCI image's config gives a container by default: entrypoint and cmd, env, workdir, user, stop
 * signal. Empty for a plain rootfs image.
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workdir, String user, String stopSignal) {
    public static final ImageConfig NONE = new ImageConfig(List.of(), List.of(), List.of(), null, null, null);

    /** From the image config JSON (its "config" object; any field may be missing or null). */
    static ImageConfig of(JsonNode imageConfig) {
        JsonNode c = imageConfig.path("config");
        return new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")), strings(c.path("Env")),
                text(c.path("WorkingDir")), text(c.path("User")), text(c.path("StopSignal")));
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(v -> out.add(v.asText()));
        }
        return List.copyOf(out);
    }

    private static String text(JsonNode n) {
        return n.isTextual() && !n.asText().isEmpty() ? n.asText() : null;
    }
}
