package dev.contain.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ps --format json and inspect write what Jackson's pretty printer wrote before them, byte for byte. */
class JsonTest {
    private static String jackson(Object value) throws Exception {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
    }

    @Test
    void writesWhatJacksonWrote() throws Exception {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("deep", List.of(List.of("a", "b"), List.of()));
        inner.put("none", Map.of());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "web \"quoted\" \\ back\nline\ttab\r\b\f\u0001 é");
        m.put("pid", 4242L);
        m.put("code", 3);
        m.put("detached", true);
        m.put("signal", null);
        m.put("addresses", List.of());
        m.put("command", List.of("sh", "-c", "exit 3"));
        m.put("plan", List.of(List.of("hostname", "web"), List.of("mount", "proc", "/proc")));
        m.put("nested", inner);
        m.put("rows", List.of(Map.of("k", 1), Map.of()));
        for (Object value : List.of(m, List.of(m, m), List.of(), Map.of(), List.of(Map.of("a", List.of(Map.of("b", "c")))))) {
            assertEquals(jackson(value), Json.pretty(value));
        }
    }

    @Test
    void refusesWhatHasNoJsonForm() {
        assertThrows(IllegalArgumentException.class, () -> Json.pretty(List.of(new Object())));
    }
}
