package dev.contain.runtime.cli;

import dev.contain.spec.Problem;
import java.util.List;
import java.util.Map;

/** The little JSON the CLI writes, without a JSON library on the start-up path. */
final class Json {
    private Json() {}

    static String problems(List<Problem> problems) {
        StringBuilder s = new StringBuilder("[");
        for (Problem p : problems) {
            s.append(s.length() == 1 ? "" : ",").append("\n  {\"file\": ").append(string(p.file()))
                    .append(", \"line\": ").append(p.line()).append(", \"column\": ").append(p.column())
                    .append(", \"message\": ").append(string(p.message())).append('}');
        }
        return s.append(problems.isEmpty() ? "]" : "\n]").toString();
    }

    /**
     * Maps, lists, strings, numbers, booleans and null, laid out as Jackson's default pretty printer does (objects one
     * entry a line, arrays on one line), for ps --format json and inspect: Jackson's serialiser is ~470 classes, and a
     * class in the start-up archive is loaded at every start of every command (see README, Performance).
     */
    static String pretty(Object value) {
        StringBuilder s = new StringBuilder();
        pretty(s, value, 0);
        return s.toString();
    }

    private static void pretty(StringBuilder s, Object value, int depth) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                s.append("{ }");
                return;
            }
            s.append('{');
            String sep = "";
            for (Map.Entry<?, ?> e : map.entrySet()) {
                s.append(sep).append('\n').append("  ".repeat(depth + 1)).append(string(String.valueOf(e.getKey()))).append(" : ");
                pretty(s, e.getValue(), depth + 1);
                sep = ",";
            }
            s.append('\n').append("  ".repeat(depth)).append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                s.append("[ ]");
                return;
            }
            s.append("[ ");
            String sep = "";
            for (Object v : list) {
                s.append(sep);
                pretty(s, v, depth);
                sep = ", ";
            }
            s.append(" ]");
        } else if (value instanceof String text) {
            s.append(string(text));
        } else if (value == null || value instanceof Number || value instanceof Boolean) {
            s.append(value);
        } else {
            throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    static String string(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                case '\r' -> s.append("\\r");
                case '\b' -> s.append("\\b");
                case '\f' -> s.append("\\f");
                default -> {
                    if (c < 0x20) s.append(String.format("\\u%04x", (int) c)); else s.append(c);
                }
            }
        }
        return s.append('"').toString();
    }
}
