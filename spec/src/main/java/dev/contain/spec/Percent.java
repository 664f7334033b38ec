package dev.contain.spec;

import java.util.Optional;
import java.util.regex.Pattern;

/** CPU shares as a percent of one CPU, as in the lab: 50% is half a CPU, 150% one and a half. */
public final class Percent {
    private static final Pattern FORM = Pattern.compile("[0-9]+(\\.[0-9]+)?%");

    private Percent() {}

    public static Optional<Double> parse(String text) {
        if (text.length() > Limits.NUMBER_CHARS) {
            return Optional.empty();
        }
        String t = text.trim();
        if (!FORM.matcher(t).matches()) {
            return Optional.empty();
        }
        double value = Double.parseDouble(t.substring(0, t.length() - 1));
        return value > 0 ? Optional.of(value) : Optional.empty();
    }

    public static String format(double percent) {
        return percent == Math.rint(percent) ? (long) percent + "%" : percent + "%";
    }
}
