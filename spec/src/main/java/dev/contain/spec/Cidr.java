package dev.contain.spec;

import java.util.Optional;

/** An IPv4 address with a prefix length, e.g. 192.168.42.10/24. */
public record Cidr(Ipv4 address, int prefix) {
    public static Optional<Cidr> parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        String len = text.substring(slash + 1);
        if (len.isEmpty() || len.length() > 2 || !Ipv4.isAsciiDigits(len)) {
            return Optional.empty();
        }
        int prefix = Integer.parseInt(len);
        if (prefix > 32) {
            return Optional.empty();
        }
        return Ipv4.parse(text.substring(0, slash)).map(a -> new Cidr(a, prefix));
    }

    public int mask() {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** True when no host bits are set: 10.0.0.0/24, not 10.0.0.5/24. */
    public boolean isNetwork() {
        return (address.bits() & ~mask()) == 0;
    }

    public Cidr network() {
        return new Cidr(new Ipv4(address.bits() & mask()), prefix);
    }

    public Ipv4 broadcast() {
        return new Ipv4(address.bits() | ~mask());
    }

    /** First usable host address; the default gateway of a bridge. */
    public Ipv4 firstHost() {
        return new Ipv4((address.bits() & mask()) + 1);
    }

    public boolean contains(Ipv4 ip) {
        return (ip.bits() & mask()) == (address.bits() & mask());
    }

    /** Number of addresses in the subnet that hosts may use (no network or broadcast address). */
    public long hostCount() {
        return prefix >= 31 ? 0 : (1L << (32 - prefix)) - 2;
    }

    public Cidr withAddress(Ipv4 ip) {
        return new Cidr(ip, prefix);
    }

    @Override
    public String toString() {
        return address + "/" + prefix;
    }
}
