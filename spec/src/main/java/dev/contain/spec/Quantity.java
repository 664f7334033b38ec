package dev.contain.spec;

import java.math.BigInteger;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte quantities as Kubernetes writes them: 512Mi, 1G, 1.5Gi, 100k, or a plain number of bytes. */
public final class Quantity {
    private static final Pattern FORM = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?");
    private static final Map<String, Long> FACTORS = Map.of(
            "Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30, "Ti", 1L << 40, "Pi", 1L << 50,
            "k", 1_000L, "M", 1_000_000L, "G", 1_000_000_000L, "T", 1_000_000_000_000L, "P", 1_000_000_000_000_000L);

    private Quantity() {}

    /** Bytes, or empty when the text is not a quantity or does not come to a whole number of bytes. */
    public static OptionalLong parseBytes(String text) {
        if (text.length() > Limits.NUMBER_CHARS) { // BigInteger's parsing is quadratic in the digits
            return OptionalLong.empty();
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        long factor = m.group(2) == null ? 1 : FACTORS.get(m.group(2));
        // BigInteger, not BigDecimal: BigDecimal's class initialiser costs ~14 ms of a cold start
        String fraction = m.group(1).contains(".") ? m.group(1).substring(m.group(1).indexOf('.') + 1) : "";
        BigInteger scaled = new BigInteger(m.group(1).replace(".", "")).multiply(BigInteger.valueOf(factor));
        BigInteger[] whole = scaled.divideAndRemainder(BigInteger.TEN.pow(fraction.length()));
        if (whole[1].signum() != 0 || whole[0].bitLength() > 63) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(whole[0].longValue());
    }

    /** The shortest exact binary form: 67108864 -> 64Mi. */
    public static String format(long bytes) {
        String[] units = {"Pi", "Ti", "Gi", "Mi", "Ki"};
        for (int i = 0; i < units.length; i++) {
            long f = 1L << (10 * (5 - i));
            if (bytes >= f && bytes % f == 0) {
                return (bytes / f) + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
