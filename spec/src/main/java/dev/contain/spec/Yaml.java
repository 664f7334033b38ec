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
 * Every string it returns holds no NUL and no lone surrogate (neither reaches the kernel or a path), and
 * every value a message echoes goes through {@link Shown}.
 */
final class Yaml {
    private final String file;
    private final List<Problem> problems = new ArrayList<>();
    private int dropped;
    private Problem firstDropped;

    Yaml(String file) {
        this.file = file;
    }

    /** The problems found, at most {@link Limits#PROBLEMS} and then one that counts the rest. */
    List<Problem> problems() {
        if (dropped == 0) {
            return problems;
        }
        List<Problem> all = new ArrayList<>(problems);
        all.add(new Problem(firstDropped.file(), firstDropped.line(), firstDropped.column(), "and " + dropped
                + " more problems from here on, not shown (at most " + Limits.PROBLEMS + " are)"));
        return all;
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
            add(new Problem(file, 1, 1, message));
        } else if (mark.get().getLine() < 0) { // a value given on the command line
            add(new Problem(mark.get().getName(), 0, 0, message));
        } else {
            add(new Problem(file, mark.get().getLine() + 1, mark.get().getColumn() + 1, message));
        }
    }

    /** A problem at a 1-based line and column of the file. */
    void error(int line, int column, String message) {
        add(new Problem(file, line, column, message));
    }

    private void add(Problem p) {
        if (problems.size() < Limits.PROBLEMS) {
            problems.add(p);
        } else if (dropped++ == 0) {
            firstDropped = p;
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
                error(keyNode, "unknown key " + Shown.quote(key) + in + Suggestions.didYouMean(key, known));
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
            return checked(s, what);
        }
        error(node, what + " must be a string, not " + kind(node));
        return null;
    }

    /** A scalar written as a string, number or boolean, taken as its text (command arguments, env values). */
    String text(Node node, String what) {
        if (node instanceof ScalarNode s && isStandard(s.getTag()) && !s.getTag().equals(Tag.NULL)) {
            return checked(s, what);
        }
        error(node, what + " must be a string, not " + kind(node));
        return null;
    }

    /**
     * A path the kernel will be given (workdir, mount source and target, layers, image, cgroupParent): a
     * string no longer than PATH_MAX and without control characters.
     */
    String path(Node node, String what) {
        String text = string(node, what);
        if (text == null) {
            return null;
        }
        if (text.length() >= Limits.PATH_BYTES || Limits.utf8Bytes(text) >= Limits.PATH_BYTES) {
            error(node, what + " is longer than the kernel's PATH_MAX (" + (Limits.PATH_BYTES - 1) + " bytes): " + Shown.quote(text));
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                error(node, what + " must not contain control characters (here " + Shown.codePoint(c) + "): " + Shown.quote(text));
                return null;
            }
        }
        return text;
    }

    /**
     * {@code text} resolved against {@code baseDir}, or null (reported) when this JVM cannot make a path of
     * it: file names are encoded in the locale's charset, and under LANG=C a non-ASCII name is refused.
     */
    java.nio.file.Path hostPath(Node node, String what, java.nio.file.Path baseDir, String text) {
        try {
            return baseDir.resolve(text).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            error(node, what + " " + Shown.quote(text) + " cannot be a file name here: " + e.getReason() + " in this JVM's "
                    + "file name encoding, " + System.getProperty("sun.jnu.encoding") + " (run with a UTF-8 locale, like LANG=C.UTF-8)");
            return null;
        }
    }

    /** The scalar's text when it holds neither NUL (which ends a C string) nor a lone surrogate (no UTF-8 for it). */
    private String checked(ScalarNode s, String what) {
        String v = s.getValue();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == 0) {
                error(s, what + " must not contain a NUL character (\\0): " + Shown.quote(v));
                return null;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1))) {
                    i++;
                } else {
                    error(s, what + " is not valid Unicode: " + Shown.codePoint(c) + " is half of a surrogate pair, not a character");
                    return null;
                }
            }
        }
        return v;
    }

    Boolean bool(Node node, String what) {
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)
                && (s.getValue().equals("true") || s.getValue().equals("false"))) {
            return s.getValue().equals("true");
        }
        error(node, what + " must be true or false, not " + kind(node));
        return null;
    }

    /** A whole number in ASCII digits (Java's own parsers also take other scripts' digits). */
    Long integer(Node node, String what) {
        if (!(node instanceof ScalarNode s && s.getTag().equals(Tag.INT) && isWholeNumber(s.getValue()))) {
            error(node, what + " must be a whole number, not " + kind(node));
            return null;
        }
        String v = s.getValue();
        if (v.length() <= 19 + 1) {
            try {
                return Long.parseLong(v); // only ASCII digits get here
            } catch (NumberFormatException e) {
                // out of range: below
            }
        }
        error(node, what + " is out of range: " + Shown.plain(v));
        return null;
    }

    private static boolean isWholeNumber(String v) {
        int start = v.startsWith("-") || v.startsWith("+") ? 1 : 0;
        if (v.length() == start) {
            return false;
        }
        for (int i = start; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** A byte quantity written as a number of bytes or a string like 64Mi; null (reported) when invalid or below minimum. */
    Long quantity(Node node, String what, long minimum) {
        String text = node instanceof ScalarNode s && (s.getTag().equals(Tag.STR) || s.getTag().equals(Tag.INT))
                ? s.getValue() : null;
        java.util.OptionalLong bytes = text == null ? java.util.OptionalLong.empty() : Quantity.parseBytes(text);
        if (bytes.isEmpty()) {
            String shown = text == null ? kind(node) : Shown.quote(text);
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

    /** What a node is, for "must be X, not ...": its kind, and a scalar's value, cut and escaped. */
    static String kind(Node node) {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        if (node instanceof ScalarNode s) {
            Tag tag = s.getTag();
            String name = tag.getValue().startsWith(Tag.PREFIX) ? "!!" + tag.getValue().substring(Tag.PREFIX.length()) : tag.getValue();
            if (!isStandard(tag)) {
                return Shown.quote(s.getValue()) + " tagged " + Shown.plain(name) + " (a spec takes no tags but !!str, !!int, !!float, !!bool, !!null)";
            }
            if (!tag.equals(Tag.STR) && !Resolver.JSON.resolve(s.getValue(), true).equals(tag)) { // a tag written on a value it does not fit
                return Shown.quote(s.getValue()) + " tagged " + name;
            }
            if (tag.equals(Tag.NULL)) return "empty";
            if (tag.equals(Tag.BOOL)) return "the boolean " + Shown.plain(s.getValue());
            if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) return "the number " + Shown.plain(s.getValue());
            return "the string " + Shown.quote(s.getValue());
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

    /** The tags plain values resolve to, made when a message first needs them. */
    private static final class Resolver {
        static final org.snakeyaml.engine.v2.resolver.ScalarResolver JSON = new org.snakeyaml.engine.v2.resolver.JsonScalarResolver();
    }

    /** The tags a spec's scalars may have, written or resolved: the JSON schema's. */
    private static boolean isStandard(Tag tag) {
        return tag.equals(Tag.STR) || tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) || tag.equals(Tag.BOOL) || tag.equals(Tag.NULL);
    }
}
