package dev.contain.runtime.cli;

import dev.contain.runtime.json.JsonWriter;
import dev.contain.spec.Problem;
import java.util.List;

/** The little JSON the CLI writes of its own: validate's problems. */
final class Json {
    private Json() {}

    static String problems(List<Problem> problems) {
        StringBuilder s = new StringBuilder("[");
        for (Problem p : problems) {
            s.append(s.length() == 1 ? "" : ",").append("\n  {\"file\": ").append(JsonWriter.quote(p.file()))
                    .append(", \"line\": ").append(p.line()).append(", \"column\": ").append(p.column())
                    .append(", \"message\": ").append(JsonWriter.quote(p.message())).append('}');
        }
        return s.append(problems.isEmpty() ? "]" : "\n]").toString();
    }
}
