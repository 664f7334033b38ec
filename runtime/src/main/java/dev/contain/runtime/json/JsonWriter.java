package dev.contain.runtime.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON written as Jackson writes it to a String, character for character, without Jackson's serialiser (~470
 * classes, and a class in the start-up archive is loaded at every start of every command; see README, Performance)
 * or ObjectMapper (see {@link JsonReader}): {@link #pretty} is its default pretty printer's layout (an object's
 * entries a line each, an array on one line), {@link #compact} a {@code JsonNode}'s toString. One difference: a
 * surrogate without its pair is escaped (Jackson writes it raw, and UTF-8 has no form for it), so no text is lost
 * on its way to bytes. Values: Jackson's tree nodes, or maps, lists, strings, numbers, booleans and null.
 */
public final class JsonWriter {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private JsonWriter() {}

    public static String pretty(Object value) {
        StringBuilder s = new StringBuilder();
        write(s, value, 0, true);
        return s.toString();
    }

    public static String compact(Object value) {
        StringBuilder s = new StringBuilder();
        write(s, value, 0, false);
        return s.toString();
    }

    /** Only an object nests deeper in the pretty layout: an array stays on its line, as Jackson's does. */
    private static void write(StringBuilder s, Object value, int depth, boolean pretty) {
        if (value instanceof JsonNode node && (node.isObject() || node.isArray())) {
            value = node.isObject() ? entries(node) : elements(node);
        }
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                s.append(pretty ? "{ }" : "{}");
                return;
            }
            s.append('{');
            String sep = "";
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (e.getKey() == null) {
                    throw new IllegalArgumentException("a null field name has no JSON form");
                }
                s.append(sep);
                if (pretty) {
                    s.append('\n').append("  ".repeat(depth + 1));
                }
                quote(s, String.valueOf(e.getKey()));
                s.append(pretty ? " : " : ":");
                write(s, e.getValue(), depth + 1, pretty);
                sep = ",";
            }
            if (pretty) {
                s.append('\n').append("  ".repeat(depth));
            }
            s.append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                s.append(pretty ? "[ ]" : "[]");
                return;
            }
            s.append(pretty ? "[ " : "[");
            String sep = "";
            for (Object v : list) {
                s.append(sep);
                write(s, v, depth, pretty);
                sep = pretty ? ", " : ",";
            }
            s.append(pretty ? " ]" : "]");
        } else if (value instanceof JsonNode node) {
            scalar(s, node.isTextual() ? node.textValue() : node.isNull() ? null : node.isBoolean() ? (Object) node.booleanValue()
                    : node.isNumber() ? node.numberValue() : unknown(node));
        } else {
            scalar(s, value);
        }
    }

    private static void scalar(StringBuilder s, Object value) {
        if (value instanceof String text) {
            quote(s, text);
        } else if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            quote(s, value.toString()); // Jackson's default: "NaN", "Infinity", quoted
        } else if (value == null || value instanceof Number || value instanceof Boolean) {
            s.append(value);
        } else {
            unknown(value);
        }
    }

    private static Object unknown(Object value) {
        throw new IllegalArgumentException("no JSON form for " + (value instanceof JsonNode n ? n.getNodeType() : value.getClass().getName()));
    }

    private static Map<String, JsonNode> entries(JsonNode object) {
        Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> i = object.fields(); i.hasNext(); ) {
            Map.Entry<String, JsonNode> e = i.next();
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    private static List<JsonNode> elements(JsonNode array) {
        List<JsonNode> l = new java.util.ArrayList<>(array.size());
        array.forEach(l::add);
        return l;
    }

    public static String quote(String v) {
        StringBuilder s = new StringBuilder();
        quote(s, v);
        return s.toString();
    }

    /**
     * Jackson's escapes: the quote, the backslash, the five short ones, other controls as upper-case backslash-u; and a
     * surrogate without its pair as backslash-u too.
     */
    private static void quote(StringBuilder s, String v) {
        s.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                case '\r' -> s.append("\\r");
                case '\b' -> s.append("\\b");
                case '\f' -> s.append("\\f");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !paired(v, i)) s.append("\\u").append(hex4(c)); else s.append(c);
                }
            }
        }
        s.append('"');
    }

    /** Whether the surrogate at {@code i} is half of a pair. */
    private static boolean paired(String v, int i) {
        char c = v.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(v.charAt(i - 1));
    }

    static String hex4(char c) {
        return new String(new char[] {HEX[c >> 12 & 15], HEX[c >> 8 & 15], HEX[c >> 4 & 15], HEX[c & 15]});
    }
}
