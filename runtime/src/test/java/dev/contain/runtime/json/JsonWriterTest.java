package dev.contain.runtime.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ps --format json, inspect, the OCI state and records: what Jackson wrote before, byte for byte. */
class JsonWriterTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    private static String jackson(Object value) throws Exception {
        return JACKSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
    }

    private static Map<String, Object> sample() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("deep", List.of(List.of("a", "b"), List.of()));
        inner.put("none", Map.of());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "web \"quoted\" \\ back\nline\ttab\r\b\f\u0001\u001f\u007f é \u2028 /slash");
        m.put("pid", 4242L);
        m.put("code", 3);
        m.put("ratio", 0.5);
        m.put("big", 1e21);
        m.put("detached", true);
        m.put("signal", null);
        m.put("addresses", List.of());
        m.put("command", List.of("sh", "-c", "exit 3"));
        m.put("plan", List.of(List.of("hostname", "web"), List.of("mount", "proc", "/proc")));
        m.put("nested", inner);
        m.put("rows", List.of(Map.of("k", 1), Map.of()));
        return m;
    }

    @Test
    void writesMapsAndListsAsJacksonDid() throws Exception {
        Map<String, Object> m = sample();
        for (Object value : List.of(m, List.of(m, m), List.of(), Map.of(), List.of(Map.of("a", List.of(Map.of("b", "c")))))) {
            assertEquals(jackson(value), JsonWriter.pretty(value));
        }
    }

    @Test
    void writesJacksonsTreesAsJacksonDoes() throws Exception {
        JsonNode tree = JACKSON.valueToTree(sample());
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("huge", new java.math.BigInteger("123456789012345678901234567890"))
                .put("infinite", Double.POSITIVE_INFINITY).put("negativeZero", -0.0).put("long", Long.MIN_VALUE);
        for (JsonNode node : List.of(tree, JACKSON.createArrayNode().add(tree).add(tree), JACKSON.createObjectNode(), JACKSON.createArrayNode(),
                JACKSON.readTree("[[[]],{\"a\":{\"b\":[{}]}}]"))) {
            assertEquals(node.toPrettyString(), JsonWriter.pretty(node));
            assertEquals(node.toString(), JsonWriter.compact(node));
        }
    }

    @Test
    void noTextIsLostOnItsWayToBytes() throws Exception {
        String text = "pair \uD83D\uDE00, alone \uD800 and \uDC00, reversed \uDE00\uD83D";
        String json = JsonWriter.compact(List.of(text));
        assertEquals("[\"pair \uD83D\uDE00, alone \\uD800 and \\uDC00, reversed \\uDE00\\uD83D\"]", json, "pairs raw, halves escaped");
        assertEquals(text, JsonReader.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)).get(0).textValue());
        assertEquals(JACKSON.valueToTree(List.of("pair \uD83D\uDE00")).toString(), JsonWriter.compact(List.of("pair \uD83D\uDE00")));
    }

    @Test
    void refusesWhatHasNoJsonForm() {
        Map<String, Object> nullKey = new java.util.HashMap<>();
        nullKey.put(null, 1);
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.pretty(nullKey));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.pretty(List.of(new Object())));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.compact(JACKSON.createObjectNode().putPOJO("x", new Object())));
    }
}
