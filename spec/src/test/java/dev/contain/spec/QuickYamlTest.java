package dev.contain.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The quick reader against snakeyaml: on every text it accepts, its tree is snakeyaml's (kinds, tags, values,
 * styles, start positions), and snakeyaml accepts that text too; the specs people write (the examples) take the
 * quick path; and what it declines, snakeyaml reads, so a spec means the same whichever path read it.
 */
class QuickYamlTest {
    /** Texts covering each shape the reader takes, and the edges where it must decline or agree. */
    static final List<String> SHAPES = List.of(
            "image: busybox\ncommand: [sh, -c, 'echo hi']\n",
            "{}",
            "{ image: busybox, command: [true] }  # one line\n",
            "{}\nextra: 1\n",
            "image: busybox # a comment\n# a line of comment\nname: x\n\n",
            "a:\n  b: 1\n  c: true\n  d: null\n  e: ~\n  f: 1.5\n  g: 0x1F\n  h: -3\n  i: yes\n",
            "list:\n- a\n- b\nnext: 1\n",
            "list:\n  - a\n  -   b\n  - 'c d'\n  - \"e f\"\n",
            "mounts:\n  - source: /a\n    target: /b\n    readonly: true\n  - { source: /c, target: /d }\n",
            "resources: { memory: 64Mi, cpu: 50%, pids: 64 }\nenv: {}\nargs: []\n",
            "command:\n  - sh\n  - -c\n  - |\n    echo one\n      indented\n\n    echo two\n",
            "a: |\n  x\n\n\nb: 1\n",
            "a: |-\n  x\n\n\nb: 1\n",
            "a: |+\n  x\n\n\nb: 1\n",
            "a: |  # header comment\n  x\n  # not a comment\n # a comment\n",
            "a: |\n\n  after a blank line\n",
            "a: |\n  \n  spaces-only line above\n",
            "a: |\n  x\n     \n  y\n",
            "a: |\n  last line without newline",
            "a: |\n  x\n   ",
            "a: |\n  x\n  ",
            "q: 'it''s # not a comment: really'\nd: \"colon: inside\"\n",
            "u: grüße 日本\nv: ' padded '\n",
            "key: a:b\nurl: http://x/y\nhash: a#b\ncomma: a, b\n",
            "  indented: root\n  second: 2\n",
            "a:\n  # comment before\n  b: 1\n",
            "a:  # trailing comment\n  b: 1\n",
            "1: one\ntrue: yes\nnull: x\n",
            "- a\n- b\n",
            "just a scalar\n",
            "",
            "# only a comment\n",
            "---\na: 1\n",
            "a: 1\n...\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: >\n  folded\n",
            "a: |2\n   x\n",
            "a:\n",
            "a:\nb: 1\n",
            "a: 'multi\n  line'\n",
            "a: plain\n  continued\n",
            "a: \"esc\\n\"\n",
            "a: [x,\n  y]\n",
            "a: [x, ]\n",
            "a: [[x]]\n",
            "a: {b: c}\n",
            "a: { b:c }\n",
            "a:\tb\n",
            "a: b\r\nc: d\r\n",
            "a: b: c\n",
            "a: b:\n",
            "a: - b\n",
            "a: 'x' y\n",
            "a: 'x'#c\n",
            "a: [x]#c\n",
            "a:\n    b: 1\n  c: 2\n",
            "a:\n  - x\n  b: 1\n",
            "a:\n  - x\n    y\n",
            "a:\n- x\nb:\n  - - y\n",
            "- a: 1\n  b: 2\n- c\n",
            "a: |\n  x\n y\n",
            "a: |\n    \n  x\n",
            "a:\n  |\n  x\n",
            "a: |\nb: 1\n",
            "? a\n: b\n",
            "a: @x\n",
            "a: `x`\n",
            "a: %x\n",
            "a: b\n  # comment indented past the key\nc: d\n",
            "a: \u2028b\n",
            "\ufeffa: b\n");

    @Test
    void everyAcceptedShapeComposesAsSnakeyamlDoes() {
        int accepted = 0;
        for (String text : SHAPES) {
            if (check(text)) {
                accepted++;
            }
        }
        assertTrue(accepted >= 25, "the quick reader took only " + accepted + " of the shapes it is for");
    }

    @Test
    void theExamplesTakeTheQuickPath() throws IOException {
        List<Path> examples;
        try (Stream<Path> files = Files.list(Path.of("../examples"))) {
            examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(examples.size() >= 5, "examples: " + examples);
        for (Path f : examples) {
            String text = Files.readString(f);
            assertTrue(check(text), f + ": the quick reader declined it; every example is the usual shape");
        }
    }

    @Test
    void whatItDeclinesIsReadBySnakeyaml() {
        for (String text : List.of("a: &x 1\nb: *x\n", "a: >\n  folded\n", "a: 'multi\n  line'\n", "a: \"esc\\tx\"\n")) {
            assertNull(QuickYaml.read(text, SpecParser.settings("t.yaml", text)), text);
            Yaml yaml = new Yaml("t.yaml");
            assertNotNull(SpecParser.compose(yaml, text, "YAML"), text + ": " + yaml.problems());
        }
        Yaml yaml = new Yaml("t.yaml");
        assertNull(SpecParser.compose(yaml, "a: b: c\n", "YAML"));
        assertEquals("t.yaml:1:5: YAML syntax: mapping values are not allowed here", yaml.problems().get(0).toString());
    }

    /** Mutations of the shapes and the examples: whatever the quick reader accepts, snakeyaml reads the same. */
    @Test
    void mutatedTextsNeverComposeDifferently() throws IOException {
        List<String> seeds = new ArrayList<>(SHAPES);
        try (Stream<Path> files = Files.list(Path.of("../examples"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                seeds.add(Files.readString(f));
            }
        }
        Random r = new Random(Long.getLong("quick.seed", 0x9a1c_2026L));
        String alphabet = " \n-:#'\"[]{},|+>&*!?%@`abc019.~/\t";
        int accepted = 0;
        for (int i = 0; i < Integer.getInteger("quick.cases", 20_000); i++) {
            StringBuilder t = new StringBuilder(seeds.get(r.nextInt(seeds.size())));
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                int at = t.length() == 0 ? 0 : r.nextInt(t.length());
                switch (r.nextInt(4)) {
                    case 0 -> t.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 1 -> { if (t.length() > 0) t.deleteCharAt(at); }
                    case 2 -> { if (t.length() > 0) t.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length()))); }
                    default -> t.insert(at, "  ");
                }
            }
            if (check(t.toString())) {
                accepted++;
            }
        }
        assertTrue(accepted > 2000, "the quick reader took only " + accepted + " of the mutants: the test would prove little");
    }

    /** Whether the quick reader took the text; fails if it took it and its tree is not snakeyaml's. */
    private static boolean check(String text) {
        LoadSettings settings = SpecParser.settings("t.yaml", text);
        Node quick = QuickYaml.read(text, settings);
        if (quick == null) {
            return false;
        }
        Yaml yaml = new Yaml("t.yaml");
        Node expected = SpecParser.snakeyaml(yaml, text, "YAML", settings);
        if (expected == null) {
            fail("the quick reader took a text snakeyaml refuses (" + yaml.problems() + "):\n" + text);
        }
        String difference = difference(expected, quick, "");
        if (difference != null) {
            fail(difference + "\nin:\n" + text.replace("\n", "\u23ce\n"));
        }
        return true;
    }

    /** Where two trees differ, or null. */
    private static String difference(Node a, Node b, String path) {
        if (a.getClass() != b.getClass()) {
            return path + ": " + a.getNodeType() + " vs " + b.getNodeType();
        }
        if (!a.getTag().equals(b.getTag())) {
            return path + ": tag " + a.getTag() + " vs " + b.getTag();
        }
        int lineA = a.getStartMark().orElseThrow().getLine();
        int columnA = a.getStartMark().orElseThrow().getColumn();
        int lineB = b.getStartMark().orElseThrow().getLine();
        int columnB = b.getStartMark().orElseThrow().getColumn();
        if (lineA != lineB || columnA != columnB || !a.getStartMark().get().getName().equals(b.getStartMark().get().getName())) {
            return path + ": at " + lineA + ":" + columnA + " vs " + lineB + ":" + columnB;
        }
        if (a instanceof ScalarNode s) {
            ScalarNode t = (ScalarNode) b;
            if (!s.getValue().equals(t.getValue()) || s.getScalarStyle() != t.getScalarStyle()) {
                return path + ": '" + s.getValue() + "' " + s.getScalarStyle() + " vs '" + t.getValue() + "' " + t.getScalarStyle();
            }
            return null;
        }
        if (a instanceof SequenceNode s) {
            SequenceNode t = (SequenceNode) b;
            if (s.getFlowStyle() != t.getFlowStyle() || s.getValue().size() != t.getValue().size()) {
                return path + ": list " + s.getFlowStyle() + " of " + s.getValue().size() + " vs " + t.getFlowStyle() + " of " + t.getValue().size();
            }
            for (int i = 0; i < s.getValue().size(); i++) {
                String d = difference(s.getValue().get(i), t.getValue().get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        MappingNode s = (MappingNode) a;
        MappingNode t = (MappingNode) b;
        if (s.getFlowStyle() != t.getFlowStyle() || s.getValue().size() != t.getValue().size()) {
            return path + ": mapping " + s.getFlowStyle() + " of " + s.getValue().size() + " vs " + t.getFlowStyle() + " of " + t.getValue().size();
        }
        for (int i = 0; i < s.getValue().size(); i++) {
            NodeTuple x = s.getValue().get(i);
            NodeTuple y = t.getValue().get(i);
            String d = difference(x.getKeyNode(), y.getKeyNode(), path + "{key " + i + "}");
            if (d == null) {
                d = difference(x.getValueNode(), y.getValueNode(), path + "." + ((ScalarNode) x.getKeyNode()).getValue());
            }
            if (d != null) {
                return d;
            }
        }
        return null;
    }
}
