package dev.contain.spec;

import java.util.Optional;

/** An IPv4 address as an unsigned 32-bit value held in an int. */
public record Ipv4(int bits) {
    // Written out: a record's generated equals/hashCode bootstrap through method handles on first use, about
    // 20 ms of class spinning in every run that compares an address (the warm-up's bridge spec does).
    @Override
    public boolean equals(Object other) {
        return other instanceof Ipv4 o && o.bits == bits;
    }

    @Override
    public int hashCode() {
        return bits;
    }

    public static Optional<Ipv4> parse(String text) {
        if (text.length() > 15) {
            return Optional.empty();
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        int bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !isAsciiDigits(part)) {
                return Optional.empty();
            }
            int octet = Integer.parseInt(part);
            if (octet > 255 || (part.length() > 1 && part.startsWith("0"))) {
                return Optional.empty();
            }
            bits = (bits << 8) | octet;
        }
        return Optional.of(new Ipv4(bits));
    }

    /** '0' to '9' only: Character.isDigit and Integer.parseInt also take full-width and Arabic-Indic digits. */
    static boolean isAsciiDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }

    @Override
    public String toString() {
        return ((bits >>> 24) & 255) + "." + ((bits >>> 16) & 255) + "." + ((bits >>> 8) & 255) + "." + (bits & 255);
    }
}
