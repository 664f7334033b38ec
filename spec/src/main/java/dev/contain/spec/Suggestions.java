package dev.contain.spec;

import java.util.Collection;
import java.util.Optional;

/** "did you mean" for typos: the closest candidate by edit distance, when it is close enough. */
public final class Suggestions {
    private Suggestions() {}

    public static Optional<String> nearest(String typo, Collection<String> candidates) {
        String best = null;
        int allowed = Math.max(1, Math.min(3, typo.length() / 3));
        int bestDistance = allowed + 1;
        String lower = null;
        for (String c : candidates) {
            // the distance is at least the difference in length: only candidates that could be close are
            // compared, so a huge key costs nothing (the table below is typo.length() by c.length())
            if (Math.abs(typo.length() - c.length()) > allowed) {
                continue;
            }
            lower = lower == null ? typo.toLowerCase(java.util.Locale.ROOT) : lower;
            int d = distance(lower, c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    public static String didYouMean(String typo, Collection<String> candidates) {
        return nearest(typo, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    /** Optimal string alignment distance: Levenshtein plus adjacent transpositions (memroy -> memory is 1). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
