package dev.contain.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;

/**
 * The YAML most specs are written in, composed into the tree snakeyaml's composer would make of it: the same
 * nodes, values, styles and start positions, with tags from snakeyaml's own resolver. On a cold JVM snakeyaml's
 * scanner runs interpreted, ~2.5 ms of every run for a few lines; this reads them in a fraction of that.
 * <p>
 * What it reads: block mappings (plain keys of letters, digits, {@code _ - . /}) and block lists (compact
 * {@code - key: value} entries, and lists at their key's own column); one-line plain, single-quoted and
 * double-quoted scalars (no backslash); one-line flow lists and mappings of such scalars and of each other; literal blocks
 * ({@code |}, {@code |-}, {@code |+}); comments and blank lines. Anything else (anchors, tags, folded or
 * multi-line scalars, escapes, empty values, tabs, a document marker, an error) it declines, and snakeyaml reads
 * the whole text, with its own messages. {@code QuickYamlTest} holds it to snakeyaml on every text it accepts.
 */
final class QuickYaml {
    /** Past these a text is not a spec's usual shape: snakeyaml reads it, under {@link BoundedParser}'s limits. */
    private static final int MAX_DEPTH = 16;
    private static final int MAX_NODES = 2000;
    /** Characters that cannot begin a plain scalar here ({@code -} followed by a non-blank can). */
    private static final String INDICATORS = "-?:,[]{}#&*!|>'\"%@`";

    /** The text left the subset: thrown to the top, where the text goes to snakeyaml. */
    private static final class Declined extends RuntimeException {
        Declined() {
            super(null, null, false, false);
        }
    }

    private final String text;
    private final String label;
    private final ScalarResolver resolver;
    private final int[] codePoints; // Marks carry the text (snakeyaml's snippets); here every char is one code point
    private final int[] starts; // each line's first offset
    private final int lines;
    private int line; // the line being read
    private int depth;
    private int nodes;

    private QuickYaml(String text, LoadSettings settings) {
        this.text = text;
        this.label = settings.getLabel();
        this.resolver = settings.getSchema().getScalarResolver();
        this.codePoints = new int[text.length()];
        int count = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            codePoints[i] = c;
            if (c == '\n') {
                count++;
            }
        }
        this.starts = new int[count];
        for (int i = 0, l = 1; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts[l++] = i + 1;
            }
        }
        this.lines = count;
    }

    /** The text's tree, or empty where it leaves the subset (then snakeyaml reads it). */
    static Optional<Node> compose(String text, LoadSettings settings) {
        try {
            return Optional.ofNullable(read(text, settings));
        } catch (RuntimeException e) { // a text this reader mishandles is snakeyaml's too
            return Optional.empty();
        }
    }

    /** As {@link #compose}, null where it declines; its own faults thrown (for the tests). */
    static Node read(String text, LoadSettings settings) {
        if (!plain(text)) {
            return null;
        }
        try {
            return new QuickYaml(text, settings).document();
        } catch (Declined e) {
            return null;
        }
    }

    /**
     * Only newlines and printable characters of the basic plane, as snakeyaml's reader allows them, and none
     * that snakeyaml takes for a line break (U+2028, U+2029), a byte order mark, a tab or a carriage return.
     */
    private static boolean plain(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c == '\n' || (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029)
                    || (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static Declined declined() {
        return new Declined();
    }

    private Node document() {
        skipBlank();
        if (line == lines) {
            throw declined(); // empty: snakeyaml's answer (SpecParser then takes an empty mapping)
        }
        int column = indent(line);
        Node root;
        if (ch(at(line, column)) == '{') { // "{}": run --image with the command line's values only
            root = flowMapping(at(line, column));
            lineEnds(after(root));
        } else if (isKey(at(line, column))) {
            root = mapping(column);
        } else {
            throw declined(); // a spec is a mapping; a list or a scalar is for snakeyaml to report
        }
        skipBlank();
        if (line != lines) {
            throw declined();
        }
        return root;
    }

    // --- lines ---

    private int end(int l) {
        return l + 1 < lines ? starts[l + 1] - 1 : text.length();
    }

    private int at(int l, int column) {
        return starts[l] + column;
    }

    /** The character at offset i of the current line, or '\n' past its end. */
    private char ch(int i) {
        return i < end(line) ? text.charAt(i) : '\n';
    }

    private int indent(int l) {
        int i = starts[l];
        while (i < end(l) && text.charAt(i) == ' ') {
            i++;
        }
        return i - starts[l];
    }

    /** Empty, spaces, or a comment. */
    private boolean blank(int l) {
        int i = starts[l] + indent(l);
        return i == end(l) || text.charAt(i) == '#';
    }

    private void skipBlank() {
        while (line < lines && blank(line)) {
            line++;
        }
    }

    private int spaces(int i) {
        while (ch(i) == ' ') {
            i++;
        }
        return i;
    }

    private Optional<Mark> mark(int offset) {
        int column = offset - starts[line];
        return Optional.of(new Mark(label, offset, line, column, codePoints, offset));
    }

    private void count() {
        if (++nodes > MAX_NODES) {
            throw declined();
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw declined();
        }
    }

    // --- block collections ---

    /** A list entry's dash: '-' then a blank or the line's end. */
    private boolean isDash(int i) {
        return ch(i) == '-' && (ch(i + 1) == ' ' || ch(i + 1) == '\n');
    }

    private static boolean keyStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    private static boolean keyPart(char c) {
        return keyStart(c) || c == '-' || c == '.' || c == '/';
    }

    /** The offset of the ':' ending a plain key that begins at i ("key:" then a blank or the line's end), or -1. */
    private int keyEnd(int i) {
        if (!keyStart(ch(i))) {
            return -1;
        }
        int j = i + 1;
        while (keyPart(ch(j))) {
            j++;
        }
        return ch(j) == ':' && (ch(j + 1) == ' ' || ch(j + 1) == '\n') ? j : -1;
    }

    private boolean isKey(int i) {
        return keyEnd(i) >= 0;
    }

    /** A block node whose first line is the current one, its content at {@code column}. */
    private Node block(int column) {
        int i = at(line, column);
        if (isDash(i)) {
            return sequence(column);
        }
        if (isKey(i)) {
            return mapping(column);
        }
        throw declined(); // a scalar on its own line (multi-line), or something else
    }

    /** A block mapping whose first key is at {@code column} of the current line (mid-line for a list's compact entry). */
    private Node mapping(int column) {
        enter();
        count();
        Optional<Mark> start = mark(at(line, column));
        List<NodeTuple> pairs = new ArrayList<>();
        while (true) {
            int k = at(line, column);
            int colon = keyEnd(k);
            if (colon < 0) {
                throw declined(); // at the mapping's column but not a key: a list after a scalar value, or an error
            }
            count();
            ScalarNode key = scalar(text.substring(k, colon), ScalarStyle.PLAIN, mark(k), mark(colon));
            int v = spaces(colon + 1);
            Node value;
            if (ch(v) == '\n' || ch(v) == '#') { // the value is the block below
                line++;
                skipBlank();
                if (line == lines) {
                    throw declined(); // an empty value (null)
                }
                int n = indent(line);
                if (n > column) {
                    value = block(n);
                } else if (n == column && isDash(at(line, column))) {
                    value = sequence(column); // a list at its key's column
                } else {
                    throw declined(); // an empty value (null)
                }
            } else {
                value = inline(v, column);
            }
            pairs.add(new NodeTuple(key, value));
            skipBlank();
            if (line == lines || indent(line) < column) {
                break;
            }
            if (indent(line) > column) {
                throw declined();
            }
        }
        depth--;
        return new MappingNode(Tag.MAP, true, pairs, FlowStyle.BLOCK, start, start);
    }

    /** A block list whose first dash is at {@code column} of the current line. */
    private Node sequence(int column) {
        enter();
        count();
        Optional<Mark> start = mark(at(line, column));
        List<Node> items = new ArrayList<>();
        while (true) {
            int v = spaces(at(line, column) + 1);
            if (ch(v) == '\n' || ch(v) == '#' || isDash(v)) {
                throw declined(); // an entry on the lines below, a null, or a list in a list
            }
            items.add(isKey(v) ? mapping(v - starts[line]) : inline(v, column));
            skipBlank();
            if (line == lines || indent(line) < column) {
                break;
            }
            if (indent(line) > column) {
                throw declined();
            }
            if (!isDash(at(line, column))) {
                break; // a key at the list's column: the mapping this list is a value of goes on
            }
        }
        depth--;
        return new SequenceNode(Tag.SEQ, true, items, FlowStyle.BLOCK, start, start);
    }

    // --- values on a line ---

    /**
     * The value that begins at offset i of the current line, in a block collection at {@code owner}'s column;
     * the lines it takes are consumed, and what follows must not be indented past {@code owner} (a continuation).
     */
    private Node inline(int i, int owner) {
        Node value;
        switch (ch(i)) {
            case '\'', '"', '[', '{' -> {
                value = flowNode(i);
                lineEnds(after(value));
            }
            case '|' -> value = literal(i, owner);
            default -> value = plainBlock(i);
        }
        skipBlank();
        if (line < lines && indent(line) > owner) {
            throw declined();
        }
        return value;
    }

    /** After a quoted scalar or a flow collection: only blanks, or a comment after a blank, to the line's end. */
    private void lineEnds(int i) {
        int j = spaces(i);
        if (!(ch(j) == '\n' || (ch(j) == '#' && j > i))) {
            throw declined();
        }
        line++;
    }

    /** The offset after a one-line node: a scalar, or a flow collection (its end mark). */
    private int after(Node node) {
        return node.getEndMark().orElseThrow().getIndex();
    }

    private Node plainBlock(int i) {
        char c = ch(i);
        if (INDICATORS.indexOf(c) >= 0 && !(c == '-' && ch(i + 1) != ' ' && ch(i + 1) != '\n')) {
            throw declined();
        }
        int e = end(line);
        for (int j = i; j < e; j++) {
            char d = text.charAt(j);
            if (d == '#' && text.charAt(j - 1) == ' ') {
                e = j;
                break;
            }
            if (d == ':' && (j + 1 == e || text.charAt(j + 1) == ' ')) {
                throw declined(); // a mapping where a scalar is: snakeyaml's error
            }
        }
        while (text.charAt(e - 1) == ' ') {
            e--;
        }
        count();
        Node value = scalar(text.substring(i, e), ScalarStyle.PLAIN, mark(i), mark(e));
        line++;
        return value;
    }

    /** A one-line quoted scalar: single-quoted with '' for a quote, or double-quoted without escapes. */
    private ScalarNode quoted(int i) {
        char quote = ch(i);
        StringBuilder value = new StringBuilder();
        int j = i + 1;
        while (true) {
            char c = ch(j);
            if (c == '\n' || (quote == '"' && c == '\\')) {
                throw declined(); // continued on the next line, or an escape
            }
            if (c == quote) {
                if (quote == '\'' && ch(j + 1) == '\'') {
                    value.append('\'');
                    j += 2;
                    continue;
                }
                break;
            }
            value.append(c);
            j++;
        }
        count();
        return scalar(value.toString(), quote == '\'' ? ScalarStyle.SINGLE_QUOTED : ScalarStyle.DOUBLE_QUOTED, mark(i), mark(j + 1));
    }

    /** A node of a one-line flow collection, or such a collection, or a quoted scalar. */
    private Node flowNode(int i) {
        return switch (ch(i)) {
            case '[' -> flowSequence(i);
            case '{' -> flowMapping(i);
            default -> flowScalar(i);
        };
    }

    /** A scalar in a one-line flow collection: quoted, or plain up to , [ ] { or }. */
    private ScalarNode flowScalar(int i) {
        char c = ch(i);
        if (c == '\'' || c == '"') {
            return quoted(i);
        }
        if (INDICATORS.indexOf(c) >= 0 && !(c == '-' && ch(i + 1) != ' ' && ",[]{}\n".indexOf(ch(i + 1)) < 0)) {
            throw declined();
        }
        int j = i;
        while (",[]{}\n".indexOf(ch(j)) < 0) {
            if (ch(j) == ':' || ch(j) == '#' || ch(j) == '?') {
                throw declined();
            }
            j++;
        }
        int e = j;
        while (e > i && ch(e - 1) == ' ') {
            e--;
        }
        if (e == i) {
            throw declined(); // an empty value, or the line's end
        }
        count();
        return scalar(text.substring(i, e), ScalarStyle.PLAIN, mark(i), mark(e));
    }

    private Node flowSequence(int i) {
        enter();
        count();
        Optional<Mark> start = mark(i);
        List<Node> items = new ArrayList<>();
        int j = spaces(i + 1);
        if (ch(j) != ']') {
            while (true) {
                Node item = flowNode(j);
                items.add(item);
                j = spaces(after(item));
                if (ch(j) == ']') {
                    break;
                }
                j = nextEntry(j, ']');
            }
        }
        depth--;
        return new SequenceNode(Tag.SEQ, true, items, FlowStyle.FLOW, start, mark(j + 1));
    }

    /** After a flow collection's entry, at offset j: a comma and the next entry (its offset), or the text declined. */
    private int nextEntry(int j, char close) {
        if (ch(j) != ',') {
            throw declined(); // continued on the next line, or an error
        }
        int next = spaces(j + 1);
        if (ch(next) == close) {
            throw declined(); // a trailing comma
        }
        return next;
    }

    private Node flowMapping(int i) {
        enter();
        count();
        Optional<Mark> start = mark(i);
        List<NodeTuple> pairs = new ArrayList<>();
        int j = spaces(i + 1);
        if (ch(j) != '}') {
            while (true) {
                int colon = keyEnd(j);
                if (colon < 0 || ch(colon + 1) != ' ') {
                    throw declined();
                }
                count();
                ScalarNode key = scalar(text.substring(j, colon), ScalarStyle.PLAIN, mark(j), mark(colon));
                Node value = flowNode(spaces(colon + 1));
                pairs.add(new NodeTuple(key, value));
                j = spaces(after(value));
                if (ch(j) == '}') {
                    break;
                }
                j = nextEntry(j, '}');
            }
        }
        depth--;
        return new MappingNode(Tag.MAP, true, pairs, FlowStyle.FLOW, start, mark(j + 1));
    }

    /**
     * A literal block ({@code |}, {@code |-} strip, {@code |+} keep) in a collection at {@code owner}'s column:
     * its indentation is its first line's, which must be past the owner's; the blank lines before that one
     * may not be indented further (snakeyaml's rule); it ends at a line indented less that is not blank.
     */
    private Node literal(int i, int owner) {
        Optional<Mark> start = mark(i);
        char chomp = ch(i + 1) == '-' || ch(i + 1) == '+' ? ch(i + 1) : ' ';
        int h = chomp == ' ' ? i + 1 : i + 2;
        int j = spaces(h);
        if (!(ch(j) == '\n' || (ch(j) == '#' && j > h))) {
            throw declined(); // an indentation digit, or anything else on the header line
        }
        int l = line + 1;
        int leading = 0;
        int widest = 0;
        while (l < lines && allSpaces(l) && end(l) < text.length()) {
            widest = Math.max(widest, end(l) - starts[l]);
            leading++;
            l++;
        }
        if (l == lines || allSpaces(l)) {
            throw declined(); // no content
        }
        int indent = indent(l);
        if (indent <= owner || widest > indent) {
            throw declined(); // empty, or snakeyaml's error
        }
        StringBuilder value = new StringBuilder();
        int breaks = leading;
        String lineBreak;
        while (true) {
            value.append("\n".repeat(breaks));
            value.append(text, starts[l] + indent, end(l));
            lineBreak = end(l) < text.length() ? "\n" : "";
            l++;
            breaks = 0;
            while (l < lines && allSpaces(l) && end(l) - starts[l] <= indent && end(l) < text.length()) {
                breaks++;
                l++;
            }
            if (l < lines && isContent(l, indent)) {
                value.append(lineBreak);
            } else {
                break;
            }
        }
        if (chomp != '-') {
            value.append(lineBreak);
        }
        if (chomp == '+') {
            value.append("\n".repeat(breaks));
        }
        count();
        ScalarNode node = scalar(value.toString(), ScalarStyle.LITERAL, start, start);
        line = l;
        return node;
    }

    private boolean allSpaces(int l) {
        return indent(l) == end(l) - starts[l];
    }

    /** A line of the block: {@code indent} spaces, then anything (spaces too). */
    private boolean isContent(int l, int indent) {
        return end(l) - starts[l] > indent && indent(l) >= indent;
    }

    /** Tagged as snakeyaml's composer tags it: plain scalars by the schema's resolver, others as strings. */
    private ScalarNode scalar(String value, ScalarStyle style, Optional<Mark> start, Optional<Mark> end) {
        Tag tag = resolver.resolve(value, style == ScalarStyle.PLAIN);
        return new ScalarNode(tag, true, value, style, start, end);
    }
}
