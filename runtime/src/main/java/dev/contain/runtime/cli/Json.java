package dev.contain.runtime.cli;

import dev.contain.spec.Problem;
import java.util.List;

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

    static String string(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) s.append(String.format("\\u%04x", (int) c)); else s.append(c);
                }
            }
        }
        return s.append('"').toString();
    }
}
