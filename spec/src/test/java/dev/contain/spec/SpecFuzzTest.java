package dev.contain.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated specs, made from the examples and the invalid corpus, never break the validator: no exception
 * escapes it, every problem lies within the file and is one line of plain text, and each case takes a
 * bounded time. The seed is fixed, so a run is reproducible; a failure names its seed and case, and saves
 * the input under target/fuzz-failures. Explore further with -Dfuzz.seed=N -Dfuzz.cases=N.
 */
class SpecFuzzTest {
    static final long SEED = Long.getLong("fuzz.seed", 0x5eed_c0de_2025L);
    static final int CASES = Integer.getInteger("fuzz.cases", 3000);
    /** A case is the parse of at most 1 MiB: far under a second here, even on a loaded machine and a cold JIT. */
    static final long CASE_MILLIS = 2000;
    static final int MAX_MESSAGE = 600;

    @TempDir
    Path base;

    @Test
    void noMutatedSpecBreaksTheValidator() throws IOException {
        List<byte[]> seeds = seeds();
        Random cases = new Random(SEED);
        long start = System.nanoTime();
        long slowest = 0;
        int invalid = 0;
        for (int i = 0; i < CASES; i++) {
            long caseSeed = cases.nextLong();
            Random r = new Random(caseSeed);
            List<String> applied = new ArrayList<>();
            byte[] input = seeds.get(r.nextInt(seeds.size()));
            int rounds = 1 + r.nextInt(3);
            for (int k = 0; k < rounds; k++) {
                input = mutate(input, r, applied);
            }
            long t = System.nanoTime();
            SpecResult result;
            try {
                result = SpecParser.parseBytes(input, "fuzz.yaml", base);
            } catch (Throwable e) {
                throw failure(i, caseSeed, applied, input, "the validator threw " + e, e);
            }
            long millis = (System.nanoTime() - t) / 1_000_000;
            slowest = Math.max(slowest, millis);
            if (millis > CASE_MILLIS) {
                throw failure(i, caseSeed, applied, input, "took " + millis + " ms (" + input.length + " bytes)", null);
            }
            String problem = check(input, result);
            if (problem != null) {
                throw failure(i, caseSeed, applied, input, problem, null);
            }
            invalid += result.valid() ? 0 : 1;
        }
        long total = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("fuzz: %d cases (seed %d) in %d ms, slowest %d ms, %d invalid%n", CASES, SEED, total, slowest, invalid);
        assertTrue(invalid > CASES / 2, "most mutations make a spec invalid: the mutations reach the validator");
        assertTrue(invalid < CASES, "some mutated specs stay valid: the mutations are not all fatal at once");
    }

    /** The invariants of one result; null when they hold. */
    static String check(byte[] input, SpecResult result) {
        if (result.valid() == (result.spec() == null)) {
            return "valid is " + result.valid() + " but the spec is " + result.spec();
        }
        List<Integer> lines = lineLengths(new String(input, StandardCharsets.UTF_8));
        for (Problem p : result.problems()) {
            if (!p.file().equals("fuzz.yaml")) {
                return "problem names another file: " + p;
            }
            if (p.line() < 1 || p.line() > lines.size() + 1) {
                return "line " + p.line() + " outside the file's " + lines.size() + " lines: " + p;
            }
            int length = p.line() <= lines.size() ? lines.get(p.line() - 1) : 0;
            if (p.column() < 1 || p.column() > length + 1) {
                return "column " + p.column() + " outside line " + p.line() + " of " + length + " characters: " + p;
            }
            String text = p.toString();
            if (p.message().length() > MAX_MESSAGE) {
                return "message of " + p.message().length() + " characters: " + text.substring(0, 200);
            }
            int raw = text.codePoints().filter(SpecFuzzTest::isRaw).findFirst().orElse(-1);
            if (raw >= 0) {
                return "raw character U+" + Integer.toHexString(raw) + " in: " + Shown.oneLine(text);
            }
        }
        return null;
    }

    /** What must never reach a terminal as itself: controls, line separators, bidi overrides, lone surrogates. */
    static boolean isRaw(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069) || (c >= 0xd800 && c <= 0xdfff);
    }

    /**
     * Lengths in code points of each line, split as snakeyaml's marks split them: at \n, or at a \r followed
     * by anything but \n (the \r of a \r\n, and a \r that ends the file, count as characters).
     */
    static List<Integer> lineLengths(String text) {
        List<Integer> lengths = new ArrayList<>();
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) != '\n')) {
                lengths.add(n);
                n = 0;
            } else if (!Character.isLowSurrogate(c)) {
                n++;
            }
        }
        lengths.add(n);
        return lengths;
    }

    private AssertionError failure(int index, long caseSeed, List<String> applied, byte[] input, String what, Throwable cause) {
        Path saved = Path.of("target/fuzz-failures/case-" + index + ".yaml");
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, input);
        } catch (IOException e) {
            saved = null;
        }
        AssertionError e = new AssertionError("fuzz case " + index + " of seed " + SEED + " (-Dfuzz.seed=" + SEED
                + "; case seed " + caseSeed + "), mutations " + applied + ": " + what
                + (saved == null ? "" : "; input saved to " + saved.toAbsolutePath()));
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    static List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        for (Path dir : List.of(Path.of("../examples"), InvalidCorpusTest.DIR)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                    seeds.add(Files.readAllBytes(f));
                }
            }
        }
        seeds.add(Hostile.VALID.getBytes(StandardCharsets.UTF_8));
        assertTrue(seeds.size() > 70, "examples and the invalid corpus: " + seeds.size());
        return seeds;
    }

    // ---- mutations: each returns new bytes and records what it did ----

    static byte[] mutate(byte[] in, Random r, List<String> applied) {
        int kind = r.nextInt(20);
        int at = in.length == 0 ? 0 : r.nextInt(in.length + 1);
        switch (kind) {
            case 0: { // random bytes, any value
                byte[] b = new byte[1 + r.nextInt(8)];
                r.nextBytes(b);
                applied.add("insert " + b.length + " random bytes at " + at);
                return insert(in, at, b);
            }
            case 1: { // delete a range
                int len = Math.min(in.length - Math.min(at, in.length), 1 + r.nextInt(40));
                applied.add("delete " + len + " bytes at " + at);
                return splice(in, at, len, new byte[0]);
            }
            case 2: { // duplicate a range, maybe many times
                int from = in.length == 0 ? 0 : r.nextInt(in.length);
                int len = Math.min(in.length - from, 1 + r.nextInt(60));
                int times = r.nextInt(10) == 0 ? 1 + r.nextInt(2000) : 1 + r.nextInt(3);
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int k = 0; k < times; k++) {
                    b.write(in, from, len);
                }
                applied.add("duplicate " + len + " bytes from " + from + " " + times + " times at " + at);
                return insert(in, at, b.toByteArray());
            }
            case 3: { // deep nesting of one of three kinds
                int depth = 10 + r.nextInt(r.nextBoolean() ? 100 : 6000);
                String open = List.of("[", "{a: ", "- ", "{? ", "[[").get(r.nextInt(5));
                String close = open.startsWith("[") ? "]" : open.startsWith("{") ? "}" : "";
                boolean closed = r.nextBoolean();
                applied.add("nest " + Shown.oneLine(open) + " " + depth + " deep" + (closed ? ", closed" : "") + " at " + at);
                return insert(in, at, bytes(open.repeat(depth) + "x" + (closed ? close.repeat(depth * (open.equals("[[") ? 2 : 1)) : "")));
            }
            case 4: { // a huge scalar: plain, quoted, a key, a long line
                int n = r.nextInt(25) == 0 ? 200_000 + r.nextInt(900_000) : 1 + r.nextInt(5000);
                String c = List.of("A", "é", "😀", " ", "a b", "\\\\").get(r.nextInt(6));
                String s = c.repeat(Math.max(1, n / c.length()));
                String[] around = List.of(new String[] {"", ""}, new String[] {"\"", "\""}, new String[] {"'", "'"},
                        new String[] {"? ", "\n: 1\n"}, new String[] {"[", "]"}).get(r.nextInt(5));
                String v = around[0] + s + around[1];
                applied.add("huge scalar of " + n + " at " + at);
                return insert(in, at, bytes(v));
            }
            case 5: { // a raw control character, C1 control, or a character YAML refuses
                int c = List.of(0, 1, 7, 8, 0x0b, 0x0c, 0x1b, 0x7f, 0x85, 0x9b, 0xfffe, 0x2028, 0x202e, 0xfeff).get(r.nextInt(14));
                applied.add("raw U+" + Integer.toHexString(c) + " at " + at);
                return insert(in, at, new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
            }
            case 6: { // an escape in a double-quoted string: NUL, surrogates, ESC, newline, bidi
                String e = List.of("\\0", "\\ud800", "\\udfff", "\\ud83d", "\\x1b[2J", "\\n", "\\r", "\\u202e", "\\x00\\x01",
                        "\\U0001F600", "\\e", "\\N", "\\L", "\\P", "\\_").get(r.nextInt(15));
                applied.add("escape " + e + " in a value");
                return replaceValue(in, r, "\"a" + e + "b\"");
            }
            case 7: { // anchors and aliases: many uses, undefined, recursive, of collections, merged
                String a = switch (r.nextInt(8)) {
                    case 0 -> "x: &a " + "A".repeat(1 + r.nextInt(200_000)) + "\ny: [" + "*a, ".repeat(1 + r.nextInt(400)) + "*a]\n";
                    case 1 -> "command: [&s \"" + "B".repeat(1 + r.nextInt(120_000)) + "\"" + ", *s".repeat(r.nextInt(60)) + "]\n";
                    case 2 -> "env: &e {A: 1}\nargs: [" + "*e, ".repeat(r.nextInt(80)) + "x]\n";
                    case 3 -> "layers: *undefined\n";
                    case 4 -> "command: &r [*r]\n";
                    case 5 -> "resources: &m {memory: 64Mi}\nx: {<<: *m, <<: *m}\n";
                    case 6 -> "? &k " + "k".repeat(1 + r.nextInt(300_000)) + "\n: 1\n" + "? *k\n: 2\n".repeat(1 + r.nextInt(20));
                    default -> "a: &x [&y [&z [1]]]\nb: [*x, *y, *z, *x]\n";
                };
                applied.add("aliases (" + a.length() + " bytes) at a line start");
                return insert(in, lineStart(in, at), bytes(a));
            }
            case 8: { // tags, written or injected
                String t = List.of("!custom ", "!!binary ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!str ", "!!map ", "!!seq ",
                        "!<tag:yaml.org,2002:python/object> ", "!e!x ", "! ", "!!timestamp ", "!<!> ", "%TAG ! tag:x,2000:\n---\n").get(r.nextInt(15));
                applied.add("tag " + Shown.oneLine(t) + " before a value");
                return replaceValue(in, r, t + List.of("busybox", "12", "x", "[a]", "{a: 1}", "").get(r.nextInt(6)));
            }
            case 9: { // a value of another type
                String v = List.of("[]", "{}", "[a, b]", "{a: 1}", "1.5", "-1", "true", "null", "~", "", "''", "0x1F", "1e400",
                        ".inf", "-.nan", "|\n  block\n", ">-\n  folded\n", "[[]]").get(r.nextInt(18));
                applied.add("value " + Shown.oneLine(v));
                return replaceValue(in, r, v);
            }
            case 10: { // huge or odd numbers
                String digits = "9".repeat(1 + r.nextInt(r.nextInt(15) == 0 ? 1_000_000 : 30));
                String v = switch (r.nextInt(11)) {
                    case 0 -> digits;
                    case 1 -> "1." + digits + "Mi";
                    case 2 -> "-" + digits;
                    case 3 -> digits + "%";
                    case 4 -> "0." + digits + "%";
                    case 5 -> "1" + digits + "Ki";
                    case 6 -> "18446744073709551616";
                    case 7 -> "9223372036854775808";
                    case 8 -> "-9223372036854775809";
                    case 9 -> "4294967295";
                    default -> "1e30%";
                };
                applied.add("number of " + v.length() + " characters");
                return replaceValue(in, r, v);
            }
            case 11: { // digits of other scripts
                String s = new String(in, StandardCharsets.UTF_8);
                int zero = List.of(0xFF10, 0x0660, 0x06F0, 0x0966, 0x1D7CE).get(r.nextInt(5));
                StringBuilder b = new StringBuilder();
                s.codePoints().forEach(c -> {
                    if (c >= '0' && c <= '9' && r.nextInt(3) == 0) {
                        b.appendCodePoint(zero + c - '0');
                    } else {
                        b.appendCodePoint(c);
                    }
                });
                applied.add("digits from U+" + Integer.toHexString(zero));
                return bytes(b.toString());
            }
            case 12: { // bytes that are not UTF-8
                byte[] b = List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3}, new byte[] {(byte) 0xc0, (byte) 0x80},
                        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                        new byte[] {(byte) 0xe2, (byte) 0x82}).get(r.nextInt(6));
                applied.add("bad UTF-8 of " + b.length + " bytes at " + at);
                return insert(in, at, b);
            }
            case 13: { // many items in one list or mapping
                int n = r.nextInt(r.nextInt(15) == 0 ? 300_000 : 500);
                String v = switch (r.nextInt(3)) {
                    case 0 -> "[" + "a,".repeat(n) + "a]";
                    case 1 -> "{" + "a: 1, ".repeat(n) + "}";
                    default -> "\n" + "  - x\n".repeat(n);
                };
                applied.add(n + " items");
                return replaceValue(in, r, v);
            }
            case 14: // a hostile line for a known key, where the checks behind the syntax are
            case 15: {
                String line = Hostile.LINES.get(r.nextInt(Hostile.LINES.size()));
                applied.add("line " + Shown.plain(line));
                return insert(in, lineStart(in, at), bytes(line + "\n"));
            }
            case 16: { // a second document, a directive, a BOM
                String d = List.of("---\na: 1\n", "...\n", "%YAML 1.1\n---\n", "%YAML 9.9\n", "\uFEFF", "--- !!map\n").get(r.nextInt(6));
                applied.add("document marker " + Shown.oneLine(d));
                return insert(in, r.nextBoolean() ? 0 : lineStart(in, at), bytes(d));
            }
            case 17: { // line ends: CR, CRLF, tabs
                String s = new String(in, StandardCharsets.ISO_8859_1);
                String[] swap = List.of(new String[] {"\n", "\r"}, new String[] {"\n", "\r\n"}, new String[] {"  ", "\t"},
                        new String[] {": ", ":"}, new String[] {"\n", "\n\n\n"}).get(r.nextInt(5));
                applied.add("replace " + Shown.oneLine(swap[0]) + " with " + Shown.oneLine(swap[1]));
                return s.replace(swap[0], swap[1]).getBytes(StandardCharsets.ISO_8859_1);
            }
            case 18: { // truncate
                applied.add("truncate at " + at);
                return java.util.Arrays.copyOf(in, at);
            }
            default: { // one byte flipped
                if (in.length == 0) {
                    return in;
                }
                byte[] out = in.clone();
                int i = r.nextInt(out.length);
                out[i] ^= (byte) (1 << r.nextInt(8));
                applied.add("flip a bit of byte " + i);
                return out;
            }
        }
    }

    /** Replaces the value after a random ": " (or appends a key with it). */
    static byte[] replaceValue(byte[] in, Random r, String value) {
        String s = new String(in, StandardCharsets.ISO_8859_1);
        List<Integer> colons = new ArrayList<>();
        for (int i = s.indexOf(": "); i >= 0; i = s.indexOf(": ", i + 1)) {
            colons.add(i + 2);
        }
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (colons.isEmpty()) {
            return concat(in, bytes("\nimage: "), v);
        }
        int from = colons.get(r.nextInt(colons.size()));
        int end = from;
        while (end < in.length && in[end] != '\n' && in[end] != ',' && in[end] != '}' && in[end] != ']') {
            end++;
        }
        return splice(in, from, end - from, v);
    }

    static int lineStart(byte[] in, int at) {
        int i = Math.min(at, in.length);
        while (i > 0 && in[i - 1] != '\n') {
            i--;
        }
        return i;
    }

    static byte[] insert(byte[] in, int at, byte[] what) {
        return splice(in, at, 0, what);
    }

    static byte[] splice(byte[] in, int at, int remove, byte[] what) {
        at = Math.max(0, Math.min(at, in.length));
        remove = Math.max(0, Math.min(remove, in.length - at));
        byte[] out = new byte[in.length - remove + what.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(in, at + remove, out, at + what.length, in.length - at - remove);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theInvariantsCatchWhatTheyShould() {
        // the checker itself: a check that cannot fail is no check
        byte[] twoLines = bytes("a: 1\nb: 2\n");
        assertEquals(null, check(twoLines, new SpecResult(null, List.of(new Problem("fuzz.yaml", 2, 5, "fine")))));
        assertTrue(check(twoLines, new SpecResult(null, List.of(new Problem("fuzz.yaml", 9, 1, "x")))).startsWith("line 9"));
        assertTrue(check(twoLines, new SpecResult(null, List.of(new Problem("fuzz.yaml", 1, 7, "x")))).startsWith("column 7"));
        assertTrue(check(twoLines, new SpecResult(null, List.of(new Problem("fuzz.yaml", 1, 1, "x".repeat(700))))).startsWith("message of"));
        assertTrue(check(twoLines, new SpecResult(null, List.of(new Problem("other.yaml", 1, 1, "x")))).startsWith("problem names"));
        assertTrue(check(twoLines, new SpecResult(null, List.of())).startsWith("valid is true"));
        assertEquals(List.of(1, 1, 4), lineLengths("a\r\r\nabc\r"));
        assertEquals("a\\nb\\e\\0", new Problem("f", 1, 1, "a\nb\u001b\0").message(), "Problem escapes what a message builder forgot");
    }
}
