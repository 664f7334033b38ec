package dev.contain.runtime.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Strict JSON (RFC 8259, UTF-8) read into Jackson's tree nodes: the tree {@code ObjectMapper.readTree} builds, node
 * for node (ints, longs, big integers and doubles alike), without ObjectMapper or Jackson's parser. Their static
 * set-up is most of what a JVM's first JSON read costs: ObjectMapper's default date format builds a Calendar, which
 * parses every locale tag the JDK has, and Jackson's parser initialises BigDecimal, whose tables square large numbers
 * (~65 ms of CPU together, interpreted, in each command that read a record or a config.json). Stricter than
 * Jackson's defaults in two ways: text after the value is refused, as runc refuses it; and UTF-8 is checked by the
 * JDK's decoder, which refuses the overlong and CESU-8 forms Jackson's byte parser lets through. Jackson's limits are kept:
 * nesting up to 1000, numbers up to 1000 characters (a longer one would cost BigInteger quadratic time).
 */
public final class JsonReader {
    public static final int MAX_DEPTH = 1000;
    static final int MAX_NUMBER_LENGTH = 1000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A syntax error: where (1-based line and column, in characters) and what, in its message. */
    public static final class SyntaxError extends IOException {
        SyntaxError(int line, int column, String detail) {
            super("line " + line + ", column " + column + ": " + detail);
        }
    }

    private final String text;
    private final int maxDepth;
    private int at;

    private JsonReader(String text, int maxDepth) {
        this.text = text;
        this.maxDepth = maxDepth;
    }

    public static JsonNode read(Path file) throws IOException {
        return read(Files.readAllBytes(file));
    }

    /** The value in {@code utf8} (a leading byte order mark is skipped, as Jackson does). */
    public static JsonNode read(byte[] utf8) throws SyntaxError {
        return read(utf8, MAX_DEPTH);
    }

    /** The same, nested at most {@code maxDepth} deep (a document another will hold one level down). */
    public static JsonNode read(byte[] utf8, int maxDepth) throws SyntaxError {
        int start = utf8.length >= 3 && (utf8[0] & 0xff) == 0xef && (utf8[1] & 0xff) == 0xbb && (utf8[2] & 0xff) == 0xbf ? 3 : 0;
        JsonReader r = new JsonReader(decode(utf8, start), maxDepth);
        JsonNode value = r.value(0);
        r.skipBlanks();
        if (r.at < r.text.length()) {
            throw r.error("text after the JSON value");
        }
        return value;
    }

    private static String decode(byte[] bytes, int start) throws SyntaxError {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        CharBuffer out = CharBuffer.allocate(bytes.length - start);
        CoderResult result = utf8.decode(in, out, true);
        if (result.isError()) {
            String before = new String(bytes, start, in.position() - start, StandardCharsets.UTF_8);
            JsonReader r = new JsonReader(before, MAX_DEPTH);
            r.at = before.length();
            throw r.error("not UTF-8 (byte 0x" + Integer.toHexString(bytes[in.position()] & 0xff) + ")");
        }
        utf8.flush(out);
        return out.flip().toString();
    }

    private JsonNode value(int depth) throws SyntaxError {
        skipBlanks();
        if (at >= text.length()) { // only an empty text: inside an object or array, element() says so first
            throw error("no JSON value (empty)");
        }
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> TextNode.valueOf(string());
            case 't' -> literal("true", BooleanNode.TRUE);
            case 'f' -> literal("false", BooleanNode.FALSE);
            case 'n' -> literal("null", NullNode.instance);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected " + describe(c));
            }
        };
    }

    private ObjectNode object(int depth) throws SyntaxError {
        deeper(depth);
        ObjectNode o = NODES.objectNode();
        if (opened('}')) {
            return o;
        }
        do {
            skipBlanks();
            if (peek() != '"') {
                throw error(at >= text.length() ? "unexpected end of input in an object" : "expected a field name in quotes, found " + describe(peek()));
            }
            String name = string();
            skipBlanks();
            expect(':', "after the field name");
            o.set(name, element(depth, "an object")); // a repeated name: the last value, in the first one's place (as Jackson)
        } while (next('}', "an object"));
        return o;
    }

    private ArrayNode array(int depth) throws SyntaxError {
        deeper(depth);
        ArrayNode a = NODES.arrayNode();
        if (opened(']')) {
            return a;
        }
        do {
            a.add(element(depth, "an array"));
        } while (next(']', "an array"));
        return a;
    }

    /** Steps over the opening bracket; whether {@code close} follows at once (an empty object or array). */
    private boolean opened(char close) {
        at++;
        skipBlanks();
        if (peek() == close) {
            at++;
            return true;
        }
        return false;
    }

    /** A value inside an object or array ({@code in}), which the end of the input must not cut short. */
    private JsonNode element(int depth, String in) throws SyntaxError {
        skipBlanks();
        if (at >= text.length()) {
            throw error("unexpected end of input in " + in);
        }
        return value(depth);
    }

    /** After an element: true at a comma (another follows), false at {@code close} (the end), else an error. */
    private boolean next(char close, String in) throws SyntaxError {
        skipBlanks();
        char c = peek();
        if (c == ',' || c == close) {
            at++;
            return c == ',';
        }
        throw error(at >= text.length() ? "unexpected end of input in " + in : "expected ',' or '" + close + "', found " + describe(c));
    }

    private void deeper(int depth) throws SyntaxError {
        if (depth > maxDepth) {
            throw error("nested deeper than " + maxDepth);
        }
    }

    private JsonNode literal(String word, JsonNode node) throws SyntaxError {
        if (!text.startsWith(word, at)) {
            throw error("unexpected " + describe(text.charAt(at)));
        }
        at += word.length();
        return node;
    }

    /** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?: an int, long or big integer, else a double, as Jackson. */
    private JsonNode number() throws SyntaxError {
        int start = at;
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
        } else if (!digits()) {
            throw error("expected a digit after '-'");
        }
        int integerEnd = at;
        boolean fraction = peek() == '.';
        if (fraction) {
            at++;
            if (!digits()) {
                throw error("expected a digit after the decimal point");
            }
        }
        boolean exponent = peek() == 'e' || peek() == 'E';
        if (exponent) {
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            if (!digits()) {
                throw error("expected a digit in the exponent");
            }
        }
        if (digitCount(start) > MAX_NUMBER_LENGTH) { // digits, not the sign, point or exponent mark: as Jackson counts
            at = start;
            throw error("a number of more than " + MAX_NUMBER_LENGTH + " digits");
        }
        String number = text.substring(start, at);
        if (fraction || exponent) {
            return DoubleNode.valueOf(Double.parseDouble(number));
        }
        if (integerEnd - start <= 18) {
            long v = Long.parseLong(number);
            return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
        }
        BigInteger big = new BigInteger(number);
        return big.bitLength() < 64 ? LongNode.valueOf(big.longValue()) : BigIntegerNode.valueOf(big);
    }

    private int digitCount(int start) {
        int n = 0;
        for (int i = start; i < at; i++) {
            n += text.charAt(i) >= '0' && text.charAt(i) <= '9' ? 1 : 0;
        }
        return n;
    }

    private boolean digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        return at > start;
    }

    private String string() throws SyntaxError {
        at++; // "
        StringBuilder s = null;
        int run = at;
        while (true) {
            if (at >= text.length()) {
                throw error("unexpected end of input in a string");
            }
            char c = text.charAt(at);
            if (c == '"') {
                String tail = text.substring(run, at++);
                return s == null ? tail : s.append(tail).toString();
            }
            if (c < 0x20) {
                throw error("a control character (0x" + Integer.toHexString(c) + ") in a string: it must be escaped");
            }
            if (c != '\\') {
                at++;
                continue;
            }
            if (s == null) {
                s = new StringBuilder();
            }
            s.append(text, run, at);
            at++;
            char e = at < text.length() ? text.charAt(at) : 0;
            switch (e) {
                case '"', '\\', '/' -> s.append(e);
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'u' -> {
                    int code = 0;
                    for (int i = 1; i <= 4; i++) {
                        int d = at + i < text.length() ? hex(text.charAt(at + i)) : -1;
                        if (d < 0) {
                            at += i;
                            throw error("expected four hex digits after \\u");
                        }
                        code = code * 16 + d;
                    }
                    s.append((char) code);
                    at += 4;
                }
                default -> throw error(at >= text.length() ? "unexpected end of input in a string" : "unknown escape \\ followed by " + describe(e));
            }
            at++;
            run = at;
        }
    }

    private void expect(char c, String where) throws SyntaxError {
        if (peek() != c) {
            throw error(at >= text.length() ? "unexpected end of input" : "expected '" + c + "' " + where + ", found " + describe(peek()));
        }
        at++;
    }

    private char peek() {
        return at < text.length() ? text.charAt(at) : 0;
    }

    private void skipBlanks() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            at++;
        }
    }

    /** An ASCII hex digit's value, else -1 (Character.digit would take other scripts' digits too). */
    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : "character U+" + JsonWriter.hex4(c);
    }

    private SyntaxError error(String detail) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new SyntaxError(line, at - lineStart + 1, detail);
    }
}
