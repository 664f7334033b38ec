package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.base.ContainerError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object of config.json, read strictly: every key must be taken by the front end, and {@link #done}
 * refuses the others by their path ({@code linux.intelRdt: not supported}), so nothing present is silently
 * ignored. A key whose value is null counts as absent.
 */
final class Node {
    private final String id;
    private final String path;
    private final JsonNode json;
    private final String stage;
    private final Set<String> taken = new HashSet<>();

    Node(String id, String path, JsonNode json) {
        this(id, OciPlanner.CONFIG, path, json);
    }

    /** {@code stage}: what its errors name as the stage (config.json, exec's process file, or the command given the JSON: update). */
    Node(String id, String stage, String path, JsonNode json) {
        this.id = id;
        this.stage = stage;
        this.path = path;
        this.json = json;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ContainerError error(String key, String message) {
        return new ContainerError(id, stage, (key == null ? path : path(key)) + ": " + message);
    }

    boolean has(String key) {
        JsonNode v = json.get(key);
        return v != null && !v.isNull();
    }

    /** An empty object or array, or null: a key present without content is no request. */
    boolean hasContent(String key) {
        JsonNode v = json.get(key);
        return v != null && !v.isNull() && !((v.isObject() || v.isArray()) && v.isEmpty())
                && !(v.isTextual() && v.asText().isEmpty());
    }

    private JsonNode take(String key) {
        taken.add(key);
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** The field is refused when it has content (present but empty is allowed). */
    void refuse(String key, String why) throws ContainerError {
        taken.add(key);
        if (hasContent(key)) {
            throw error(key, why);
        }
    }

    void ignore(String key) {
        taken.add(key);
    }

    Node object(String key) throws ContainerError {
        JsonNode v = take(key);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw error(key, "not an object");
        }
        return new Node(id, stage, path(key), v);
    }

    List<Node> objects(String key) throws ContainerError {
        JsonNode v = take(key);
        List<Node> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw error(key, "not an array");
        }
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isObject()) {
                throw error(key + "[" + i + "]", "not an object");
            }
            out.add(new Node(id, stage, path(key) + "[" + i + "]", v.get(i)));
        }
        return out;
    }

    String string(String key, String fallback) throws ContainerError {
        JsonNode v = take(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw error(key, "not a string");
        }
        return v.asText();
    }

    Long number(String key) throws ContainerError {
        JsonNode v = take(key);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw error(key, "not an integer");
        }
        return v.asLong();
    }

    /** An unsigned 64-bit value (rlimits, seccomp arguments): a JSON number up to 2^64-1. */
    Long unsigned(String key) throws ContainerError {
        JsonNode v = take(key);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || v.bigIntegerValue().signum() < 0 || v.bigIntegerValue().bitLength() > 64) {
            throw error(key, "not an unsigned 64-bit integer");
        }
        return v.bigIntegerValue().longValue();
    }

    boolean bool(String key, boolean fallback) throws ContainerError {
        JsonNode v = take(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw error(key, "not a boolean");
        }
        return v.asBoolean();
    }

    List<String> strings(String key) throws ContainerError {
        return array(key, JsonNode::isTextual, JsonNode::asText, "string");
    }

    List<Long> numbers(String key) throws ContainerError {
        return array(key, JsonNode::isIntegralNumber, JsonNode::asLong, "integer");
    }

    /** An array whose every element is of one {@code kind}; absent: empty. */
    private <T> List<T> array(String key, java.util.function.Predicate<JsonNode> is, java.util.function.Function<JsonNode, T> as,
                              String kind) throws ContainerError {
        JsonNode v = take(key);
        List<T> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw error(key, "not an array of " + kind + "s");
        }
        for (int i = 0; i < v.size(); i++) {
            if (!is.test(v.get(i))) {
                throw error(key + "[" + i + "]", "not a" + (kind.startsWith("i") ? "n " : " ") + kind);
            }
            out.add(as.apply(v.get(i)));
        }
        return out;
    }

    Map<String, String> stringMap(String key) throws ContainerError {
        JsonNode v = take(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            throw error(key, "not an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw error(key + "." + e.getKey(), "not a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /**
     * Ignores the keys nobody took that {@code known} does not list, as runtime-spec requires of unknown properties
     * (extensions of newer versions or other runtimes), and refuses the known ones nobody took.
     */
    void doneIgnoringUnknown(Set<String> known) throws ContainerError {
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                taken.add(key);
            }
        }
        done();
    }

    /** Refuses every key nobody took. */
    void done() throws ContainerError {
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!taken.contains(key) && !json.get(key).isNull()) {
                throw error(key, "not supported");
            }
        }
    }
}
