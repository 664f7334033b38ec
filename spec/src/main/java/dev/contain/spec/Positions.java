package dev.contain.spec;

/**
 * Lines and columns (1-based) counted as snakeyaml counts them in its marks: a line ends at \n, or at a
 * \r not followed by \n; a column counts code points, and a byte order mark is not one.
 */
final class Positions {
    private Positions() {}

    /** Where the character after {@code prefix} is: {line, column}. */
    static int[] after(CharSequence prefix) {
        int line = 1;
        int column = 1;
        int n = prefix.length();
        for (int i = 0; i < n; i++) {
            char c = prefix.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= n || prefix.charAt(i + 1) != '\n'))) {
                line++;
                column = 1;
            } else if (c != '\uFEFF' && !Character.isLowSurrogate(c)) {
                column++;
            }
        }
        return new int[] {line, column};
    }

    /** Where code point number {@code index} (0-based) of {@code text} is. */
    static int[] ofCodePoint(String text, int index) {
        int end = text.length();
        try {
            end = text.offsetByCodePoints(0, Math.max(0, index));
        } catch (IndexOutOfBoundsException e) {
            // past the end: the end
        }
        return after(text.subSequence(0, end));
    }
}
