package dev.contain.runtime.net;

import dev.contain.spec.Cidr;
import dev.contain.spec.Ipv4;

/**
 * One veth of a container on a bridge, as planned (the engine's own type: a front end translates its network
 * form into it). {@code address} null: a free one in {@code subnet} is leased at run time; {@code gateway} is the
 * bridge's address and the default route; {@code hostVeth} the host end's name, chosen by the planner.
 * Cidr and Ipv4 are plain address values shared with the spec module (they hold no spec structure).
 */
public record BridgeAttachment(String bridge, Cidr subnet, Cidr address, Ipv4 gateway, String hostVeth) {
    public BridgeAttachment withAddress(Cidr a) {
        return new BridgeAttachment(bridge, subnet, a, gateway, hostVeth);
    }

    /** Host end of the veth: "ct-NAME-I", within the kernel's 15 characters; long names are shortened with a hash. */
    public static String vethName(String container, int index) {
        String base = container.length() <= 10 ? container
                : container.substring(0, 6) + String.format("%04x", container.hashCode() & 0xffff);
        return "ct-" + base + "-" + Integer.toHexString(index);
    }
}
