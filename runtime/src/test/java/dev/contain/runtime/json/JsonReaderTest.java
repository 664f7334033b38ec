package dev.contain.runtime.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.contain.runtime.oci.OciSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reader is held to Jackson's {@code readTree} (with trailing text refused, as the reader refuses it): on every
 * text Jackson reads, the same tree with the same node classes; on every text Jackson refuses, a syntax error and
 * nothing else. Over real documents (podman's config.json, runc's default, the features document), the edges of
 * the grammar, and thousands of mutations of them (-Djson.seed=N for other ones).
 */
class JsonReaderTest {
    private static final ObjectMapper JACKSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static List<String> corpus() throws Exception {
        List<String> texts = new ArrayList<>(List.of(
                new String(JsonReaderTest.class.getResourceAsStream("/oci/podman-run.json").readAllBytes(), StandardCharsets.UTF_8),
                OciSpec.defaultConfig(false), OciSpec.features(),
                "{}", "[]", " [ ] ", "{\"a\":{}}", "0", "-0", "-0.0", "1.5e3", "1E+2", "1e-2", "2147483647", "2147483648", "-2147483648",
                "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                "123456789012345678", "1234567890123456789", "1e400", "-1e400", "1e-400", "0.1", "[1,2.5,-3,true,false,null]",
                "\"\\u00e9\\uD83D\\uDE00\\ud800 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"", "\"é😀\u2028\"", "{\"a\":1,\"a\":[2],\"b\":3,\"a\":{}}",
                "{\"\":\"\"}", "\t\r\n{\n\"k\" :\r\n\t[ ]\n}\n"));
        return texts;
    }

    /** What Jackson reads, or null where it refuses (an exception, or nothing at all: empty text). */
    private static JsonNode jackson(byte[] text) {
        try {
            JsonNode n = JACKSON.readTree(text);
            return n == null || n.isMissingNode() ? null : n;
        } catch (Exception e) {
            return null;
        }
    }

    private static void agrees(byte[] text) {
        JsonNode expected = jackson(text);
        JsonNode got;
        try {
            got = JsonReader.read(text);
        } catch (JsonReader.SyntaxError e) {
            if (expected != null) {
                fail("refused what Jackson reads: " + e.getMessage() + "\n" + new String(text, StandardCharsets.UTF_8));
            }
            return;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("not a syntax error: " + e + "\n" + new String(text, StandardCharsets.UTF_8), e);
        }
        if (expected == null) {
            fail("read what Jackson refuses: " + new String(text, StandardCharsets.UTF_8));
        }
        sameTree(expected, got, "$");
    }

    /** Node for node: the same classes (an int is an IntNode, a larger one a LongNode...), names in order, values. */
    private static void sameTree(JsonNode expected, JsonNode got, String at) {
        assertEquals(expected.getClass(), got.getClass(), at);
        if (expected.isObject()) {
            assertEquals(names(expected), names(got), at + ": field names");
            expected.fields().forEachRemaining(e -> sameTree(e.getValue(), got.get(e.getKey()), at + "." + e.getKey()));
        } else if (expected.isArray()) {
            assertEquals(expected.size(), got.size(), at + ": size");
            for (int i = 0; i < expected.size(); i++) {
                sameTree(expected.get(i), got.get(i), at + "[" + i + "]");
            }
        } else {
            assertEquals(expected, got, at);
        }
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> i = object.fields(); i.hasNext(); ) {
            names.add(i.next().getKey());
        }
        return names;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsWhatJacksonReads() throws Exception {
        for (String text : corpus()) {
            assertTrue(jackson(utf8(text)) != null, text);
            agrees(utf8(text));
        }
    }

    @Test
    void refusesWhatJacksonRefuses() {
        for (String text : List.of("", "  ", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{a:1}", "{'a':1}", "['a']", "01", "-", "-a", "1.", ".5",
                "1e", "1e+", "+1", "NaN", "Infinity", "-Infinity", "tru", "truex", "nul", "[true false]", "{\"a\" 1}", "{\"a\":}",
                "{\"a\":1 \"b\":2}", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"a\nb\"", "\"a\tb\"", "\"unterminated", "[1] [2]", "{} x",
                "1 2", "// c\n{}", "/* c */{}", "[\"a\"\u0000]", "\u00a0{}", "{\"a\":1}}", "[[]", "\"\\u٣٣٣٣\"")) {
            agrees(utf8(text));
            assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.read(utf8(text)), text);
        }
    }

    @Test
    void mutatedTextsNeverReadDifferently() throws Exception {
        List<String> corpus = corpus();
        Random r = new Random(Long.getLong("json.seed", 0x5eed_2026L));
        String alphabet = "{}[]:,\"\\ \n\t-+.eE0123456789truefalsn/u\u0001é";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder(corpus.get(r.nextInt(corpus.size())));
            for (int edits = 1 + r.nextInt(3); edits > 0; edits--) {
                int at = s.length() == 0 ? 0 : r.nextInt(s.length());
                switch (r.nextInt(3)) {
                    case 0 -> s.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 1 -> { if (s.length() > 0) s.deleteCharAt(at); }
                    default -> { if (s.length() > 0) s.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length()))); }
                }
            }
            agrees(utf8(s.toString()));
        }
    }

    @Test
    void keepsJacksonsLimits() {
        String deep = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        agrees(utf8(deep));
        agrees(utf8("[" + deep + "]"));
        assertEquals("line 1, column 1001: nested deeper than 1000",
                assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.read(utf8("[" + deep + "]"))).getMessage());
        String digits = "7".repeat(JsonReader.MAX_NUMBER_LENGTH);
        for (String n : List.of(digits, digits + "7", "-" + digits, "-" + digits + "7", "0." + digits.substring(1), "0." + digits,
                "1." + digits.substring(2) + "e5", "1." + digits.substring(2) + "e55")) {
            agrees(utf8(n)); // Jackson counts digits, not the sign, point or exponent mark
        }
        String thousand = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        assertEquals("line 1, column 1000: nested deeper than 999",
                assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.read(utf8(thousand), JsonReader.MAX_DEPTH - 1)).getMessage());
        assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.read(utf8("{\"a\": " + "[".repeat(100_000))));
    }

    @Test
    void errorsSayWhereAndWhat() {
        String[][] cases = {
                {"{\"process\": {\"args\": [\n", "line 2, column 1: unexpected end of input in an array"},
                {"{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7: expected ':' after the field name, found '2'"},
                {"[1, 2,]", "line 1, column 7: unexpected ']'"},
                {"{} x", "line 1, column 4: text after the JSON value"},
                {"{\"a\": \"tab\there\"}", "line 1, column 11: a control character (0x9) in a string: it must be escaped"},
                {"", "line 1, column 1: no JSON value (empty)"},
                {"[01]", "line 1, column 3: expected ',' or ']', found '1'"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.read(utf8(c[0]))).getMessage(), c[0]);
        }
    }

    @Test
    void readsUtf8Only() throws Exception {
        byte[] bad = {'[', '"', 'a', (byte) 0xff, '"', ']'};
        agrees(bad);
        assertEquals("line 1, column 4: not UTF-8 (byte 0xff)", assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.read(bad)).getMessage());
        byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'};
        agrees(bom); // skipped, as Jackson skips it
        assertEquals(0, JsonReader.read(bom).size());
    }
}
