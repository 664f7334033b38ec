package dev.contain.spec;

/** One network attachment of a container. A spec holds a list: several bridges, or exactly one other kind. */
public sealed interface Network {
    /** A private network namespace with loopback only (the default). */
    record None() implements Network {}

    /** No network namespace: the host's network. */
    record Host() implements Network {}

    /** Join the network namespace of a running container (the pod model). */
    record Container(String name) implements Network {}

    /**
     * A veth pair with one end on {@code bridge}. {@code address} null means allocate a free one in
     * {@code subnet}; {@code gateway} is the bridge's address and the default route.
     */
    record Bridge(String bridge, Cidr subnet, Cidr address, Ipv4 gateway) implements Network {}
}
