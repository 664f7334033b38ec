package dev.contain.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed access to a composed YAML tree that records a {@link Problem} at the node's position for every
 * value of the wrong kind, and returns null for it, so a parse goes on and reports everything at once.
 */
final class Yaml {
    private final String file;
    private final List<Problem> problems = new ArrayList<>();

    Yaml(String file) {
        this.file = file;
    }

    List<Problem> problems() {
        return problems;
    }

    String file() {
        return file;
    }

    void error(Node node, String message) {
        Optional<Mark> mark = node == null ? Optional.empty() : node.getStartMark();
        error(mark, message);
    }

    void error(Optional<Mark> mark, String message) {
        if (mark.isEmpty()) {
            problems.add(new Problem(file, 1, 1, message));
        } else if (mark.get().getLine() < 0) { // a value given on the command line
            problems.add(new Problem(mark.get().getName(), 0, 0, message));
        } else {
            problems.add(new Problem(file, mark.get().getLine() + 1, mark.get().getColumn() + 1, message));
        }
    }

    /** Keys of a mapping in order; reports keys that are not strings, unknown keys (with a suggestion) and duplicates. */
    Map<String, Node> fields(Node node, String where, List<String> known) {
        Map<String, Node> fields = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            error(node, (where == null ? "the spec" : where) + " must be a mapping of keys, not " + kind(node));
            return fields;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode keyScalar) || keyScalar.getTag().equals(Tag.NULL)) {
                error(keyNode, "keys must be plain names, not " + kind(keyNode));
                continue;
            }
            String key = keyScalar.getValue();
            String in = where == null ? "" : " in " + where;
            if (!known.contains(key)) {
                error(keyNode, "unknown key '" + key + "'" + in + Suggestions.didYouMean(key, known));
            } else if (fields.containsKey(key)) {
                error(keyNode, "duplicate key '" + key + "'" + in);
            } else {
                fields.put(key, tuple.getValueNode());
            }
        }
        return fields;
    }

    String string(Node node, String what) {
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.STR)) {
            return s.getValue();
        }
        error(node, what + " must be a string, not " + kind(node));
        return null;
    }

    /** A scalar written as a string, number or boolean, taken as its text (command arguments, env values). */
    String text(Node node, String what) {
        if (node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
            return s.getValue();
        }
        error(node, what + " must be a string, not " + kind(node));
        return null;
    }

    Boolean bool(Node node, String what) {
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
            return Boolean.parseBoolean(s.getValue());
        }
        error(node, what + " must be true or false, not " + kind(node));
        return null;
    }

    Long integer(Node node, String what) {
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
            try {
                return Long.decode(s.getValue().replace("_", ""));
            } catch (NumberFormatException e) {
                error(node, what + " is too large");
                return null;
            }
        }
        error(node, what + " must be a whole number, not " + kind(node));
        return null;
    }

    /** A byte quantity written as a number of bytes or a string like 64Mi; null (reported) when invalid or below minimum. */
    Long quantity(Node node, String what, long minimum) {
        String text = node instanceof ScalarNode s && (s.getTag().equals(Tag.STR) || s.getTag().equals(Tag.INT))
                ? s.getValue() : null;
        java.util.OptionalLong bytes = text == null ? java.util.OptionalLong.empty() : Quantity.parseBytes(text);
        if (bytes.isEmpty()) {
            String shown = text == null ? kind(node) : "'" + text + "'";
            error(node, shown + " is not a valid " + what + " quantity: use bytes or a number with Ki, Mi, Gi "
                    + "(powers of 1024) or k, M, G (powers of 1000), like 64Mi");
            return null;
        }
        if (bytes.getAsLong() < minimum) {
            error(node, what + " must be at least " + Quantity.format(minimum));
            return null;
        }
        return bytes.getAsLong();
    }

    List<Node> list(Node node, String what) {
        if (node instanceof SequenceNode seq) {
            return seq.getValue();
        }
        error(node, what + " must be a list, not " + kind(node));
        return null;
    }

    static boolean isScalar(Node node) {
        return node instanceof ScalarNode;
    }

    static String kind(Node node) {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        if (node instanceof ScalarNode s) {
            Tag tag = s.getTag();
            if (tag.equals(Tag.NULL)) return "empty";
            if (tag.equals(Tag.BOOL)) return "true/false";
            if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) return "a number";
            return "the string '" + s.getValue() + "'";
        }
        return "nothing";
    }

    /** Calls {@code each} for every item of a list node with a name like "names[2]"; a non-list is reported. */
    void forEach(Node node, String what, java.util.function.BiConsumer<Node, String> each) {
        if (node == null) {
            return;
        }
        List<Node> items = list(node, what);
        if (items != null) {
            for (int i = 0; i < items.size(); i++) {
                each.accept(items.get(i), what + "[" + i + "]");
            }
        }
    }
}
