package dev.contain.spec;

/**
 * Values as a message shows them: quoted, cut to {@link Limits#SHOWN} characters, and with control
 * characters, line breaks and bidirectional overrides escaped, so that one problem is one line of plain
 * text whatever the spec holds (a value may come from a file made to attack the terminal that shows it).
 */
public final class Shown {
    private Shown() {}

    /** {@code 'value'}, escaped and cut: {@code 'AAAA...' (1048576 characters)}. */
    public static String quote(String value) {
        int end = end(value);
        return "'" + plain(value, end) + "'" + (end < value.length() ? " (" + value.length() + " characters)" : "");
    }

    /** The value escaped and cut, without quotes: for values already checked to be short and plain. */
    public static String plain(String value) {
        return plain(value, end(value));
    }

    private static String plain(String value, int end) {
        StringBuilder s = new StringBuilder(end + 8);
        escape(value, 0, end, true, s);
        return end < value.length() ? s.append("...").toString() : s.toString();
    }

    /** Where to cut the value so that it shows as at most {@link Limits#SHOWN} characters, escapes counted. */
    private static int end(String value) {
        int shown = 0;
        for (int i = 0; i < value.length(); ) {
            char c = value.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
            int width = pair ? 1 : width(c);
            if (shown + width > Limits.SHOWN) {
                return i;
            }
            shown += width;
            i += pair ? 2 : 1;
        }
        return value.length();
    }

    /** How many characters {@code c} shows as (see escape). */
    private static int width(char c) {
        if (c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == 0 || c == 0x1b) {
            return 2;
        }
        if (c < 0x20 || c == 0x7f) {
            return 4;
        }
        return needsEscape(c) || Character.isSurrogate(c) ? 6 : 1;
    }

    /**
     * Text with its control characters escaped, backslashes left alone: what {@link Problem} does to every
     * message, so that a message built without {@link #quote} still stays on one line.
     */
    public static String oneLine(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (needsEscape(text.charAt(i)) || Character.isSurrogate(text.charAt(i))) {
                StringBuilder s = new StringBuilder(text.length() + 16);
                escape(text, 0, text.length(), false, s);
                return s.toString();
            }
        }
        return text;
    }

    /** One code point as an escape or as itself: for messages about a character ("\x1b", "\ud800"). */
    public static String codePoint(int c) {
        StringBuilder s = new StringBuilder();
        escape(new String(Character.toChars(c)), 0, Character.charCount(c), true, s);
        return s.toString();
    }

    private static void escape(String v, int from, int to, boolean backslash, StringBuilder s) {
        for (int i = from; i < to; i++) {
            char c = v.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(v.charAt(i + 1))) {
                s.append(c).append(v.charAt(++i));
            } else if (c == '\\' && backslash) {
                s.append("\\\\");
            } else if (c == '\n') {
                s.append("\\n");
            } else if (c == '\r') {
                s.append("\\r");
            } else if (c == '\t') {
                s.append("\\t");
            } else if (c == 0) {
                s.append("\\0");
            } else if (c == 0x1b) {
                s.append("\\e");
            } else if (c < 0x20 || c == 0x7f) {
                s.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else if (needsEscape(c) || Character.isSurrogate(c)) {
                s.append("\\u").append(String.format("%04x", (int) c));
            } else {
                s.append(c);
            }
        }
    }

    /** C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional controls. */
    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c;
    }
}
