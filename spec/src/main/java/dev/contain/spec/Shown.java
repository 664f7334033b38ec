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
        return "'" + plain(value) + "'" + (value.length() > Limits.SHOWN ? " (" + value.length() + " characters)" : "");
    }

    /** The value escaped and cut, without quotes: for values already checked to be short and plain. */
    public static String plain(String value) {
        boolean cut = value.length() > Limits.SHOWN;
        int end = !cut ? value.length() : Character.isHighSurrogate(value.charAt(Limits.SHOWN - 1)) ? Limits.SHOWN - 1 : Limits.SHOWN;
        StringBuilder s = new StringBuilder(end + 8);
        escape(value, 0, end, true, s);
        return cut ? s.append("...").toString() : s.toString();
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
