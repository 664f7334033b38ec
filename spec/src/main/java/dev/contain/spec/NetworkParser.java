package dev.contain.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The network section: a mode word ({@code none}, {@code host}, {@code bridge}, {@code container:NAME}),
 * one mapping, or a list of them (eth0, eth1, ... in order).
 */
final class NetworkParser {
    static final List<String> KEYS = List.of("mode", "bridge", "subnet", "address", "gateway");
    static final List<String> MODES = List.of("none", "host", "bridge", "container:");
    public static final String DEFAULT_BRIDGE = "contain0";
    public static final Cidr DEFAULT_SUBNET = Cidr.parse("192.168.42.0/24").orElseThrow();
    /**
     * Ranges a bridge's subnet must not overlap: no host can be given an address there. 0.0.0.0/8 is
     * "this network" (and 0.0.0.0/0 covers everything), 127.0.0.0/8 loopback, 224.0.0.0/4 multicast,
     * 240.0.0.0/4 reserved (with the broadcast address).
     */
    static final List<String> RESERVED = List.of("0.0.0.0/8 (\"this network\")", "127.0.0.0/8 (loopback)",
            "224.0.0.0/4 (multicast)", "240.0.0.0/4 (reserved)");
    /**
     * Bridge names that are not the engine's to make: lo, the names of the container's own interfaces and
     * of classic NICs (eth0..., wlan0...), sysctl's all and default, the engine's veths (ct-...), and
     * other engines' bridges (joining one would put the container on their network).
     */
    private static final java.util.regex.Pattern NIC = java.util.regex.Pattern.compile("(eth|wlan)[0-9]+");
    static final List<String> RESERVED_BRIDGES = List.of("lo", "all", "default", "bonding_masters", "docker0", "podman0",
            "cni0", "virbr0", "lxcbr0", "lxdbr0");

    private final Yaml yaml;

    NetworkParser(Yaml yaml) {
        this.yaml = yaml;
    }

    List<Network> networks(Node node) {
        List<Network> networks = new ArrayList<>();
        if (node == null) {
            networks.add(new Network.None());
            return networks;
        }
        List<Node> items = node instanceof SequenceNode seq ? seq.getValue() : List.of(node);
        if (items.isEmpty()) {
            yaml.error(node, "network must not be an empty list; leave it out for a private network with loopback only");
        }
        List<String> bridges = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String what = node instanceof SequenceNode ? "network[" + i + "]" : "network";
            Network n = entry(items.get(i), what);
            if (n == null) {
                continue;
            }
            if (!(n instanceof Network.Bridge) && items.size() > 1) {
                yaml.error(items.get(i), "network mode " + mode(n) + " cannot be combined with other networks");
            }
            if (n instanceof Network.Bridge b) {
                if (bridges.contains(b.bridge())) {
                    yaml.error(items.get(i), "bridge '" + b.bridge() + "' is attached twice; a container has one interface per bridge");
                }
                bridges.add(b.bridge());
            }
            networks.add(n);
        }
        return networks;
    }

    private Network entry(Node node, String what) {
        if (Yaml.isScalar(node)) {
            String mode = yaml.string(node, what);
            return mode == null ? null : byMode(node, mode, null, what);
        }
        Map<String, Node> f = yaml.fields(node, what, KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        String mode = "bridge";
        if (f.containsKey("mode")) {
            mode = yaml.string(f.get("mode"), what + ".mode");
            if (mode == null) {
                return null;
            }
        }
        return byMode(f.containsKey("mode") ? f.get("mode") : node, mode, f, what);
    }

    private Network byMode(Node modeNode, String mode, Map<String, Node> f, String what) {
        if (!mode.equals("bridge") && f != null) {
            for (String key : List.of("bridge", "subnet", "address", "gateway")) {
                if (f.containsKey(key)) {
                    yaml.error(f.get(key), "'" + key + "' only applies to network mode bridge, not " + Shown.plain(mode));
                }
            }
        }
        switch (mode) {
            case "none":
                return new Network.None();
            case "host":
                return new Network.Host();
            case "bridge":
                return bridge(modeNode, f == null ? Map.of() : f, what);
            default:
                if (mode.startsWith("container:")) {
                    String other = mode.substring("container:".length());
                    if (!Names.isContainerName(other)) {
                        yaml.error(modeNode, "network mode container: must name a container, like container:web");
                        return null;
                    }
                    return new Network.Container(other);
                }
                yaml.error(modeNode, "unknown network mode " + Shown.quote(mode) + Suggestions.didYouMean(mode, MODES)
                        + "; use none, host, bridge or container:NAME");
                return null;
        }
    }

    private Network bridge(Node where, Map<String, Node> f, String what) {
        String bridge = DEFAULT_BRIDGE;
        if (f.containsKey("bridge")) {
            bridge = yaml.string(f.get("bridge"), what + ".bridge");
            if (bridge != null && !isInterfaceName(bridge)) {
                yaml.error(f.get("bridge"), Shown.quote(bridge) + " is not a valid interface name: 1 to 15 characters, no '/', ':' or spaces");
                bridge = null;
            } else if (bridge != null && !isPlainName(bridge)) {
                yaml.error(f.get("bridge"), "bridge name " + Shown.quote(bridge) + " may hold only ASCII letters, digits, '-', '_' and '.'");
                bridge = null;
            } else if (bridge != null && isReservedBridge(bridge)) {
                yaml.error(f.get("bridge"), "bridge name '" + bridge + "' is reserved: lo, eth*, wlan*, ct-* (the engine's veths), "
                        + "all, default and other engines' bridges are not the engine's to make; pick another, like br-web");
                bridge = null;
            }
        }
        Cidr address = f.containsKey("address") ? cidr(f.get("address"), what + ".address") : null;
        Cidr subnet = f.containsKey("subnet") ? cidr(f.get("subnet"), what + ".subnet") : null;
        Ipv4 gateway = null;
        if (f.containsKey("gateway")) {
            String text = yaml.string(f.get("gateway"), what + ".gateway");
            Optional<Ipv4> parsed = text == null ? Optional.empty() : Ipv4.parse(text);
            if (text != null && parsed.isEmpty()) {
                yaml.error(f.get("gateway"), Shown.quote(text) + " is not an IPv4 address, like 192.168.42.1");
            }
            gateway = parsed.orElse(null);
        }
        if (subnet != null && !subnet.isNetwork()) { // not equals(): a record's first equals costs ~5 ms of start-up
            yaml.error(f.get("subnet"), "subnet " + subnet + " has host bits set; did you mean " + subnet.network() + "?");
            return null;
        }
        if (address != null && subnet != null && (!subnet.contains(address.address()) || address.prefix() != subnet.prefix())) {
            yaml.error(f.get("address"), "address " + address + " is outside the bridge subnet " + subnet);
            return null;
        }
        if (subnet == null && address != null) {
            subnet = address.network();
        }
        if (subnet == null && f.containsKey("subnet")) {
            return null;
        }
        if (subnet == null && !f.containsKey("address")) {
            if (!DEFAULT_BRIDGE.equals(bridge)) {
                if (bridge != null) {
                    yaml.error(where, "network on bridge '" + bridge + "' needs an address or a subnet to allocate one from");
                }
                return null;
            }
            subnet = DEFAULT_SUBNET;
        }
        if (subnet == null) {
            return null;
        }
        String reserved = reservedOverlap(subnet);
        if (reserved != null) {
            yaml.error(f.containsKey("subnet") ? f.get("subnet") : f.containsKey("address") ? f.get("address") : where,
                    "subnet " + subnet + " overlaps " + reserved + ", where no container can have an address; "
                    + "use a private range like 10.0.0.0/24 or 192.168.42.0/24");
            return null;
        }
        if (subnet.prefix() > 30) {
            yaml.error(f.containsKey("address") ? f.get("address") : f.get("subnet"),
                    "subnet /" + subnet.prefix() + " is too small for a gateway and a container; use /30 or wider");
            return null;
        }
        if (address != null && (address.address().equals(subnet.network().address()) || address.address().equals(subnet.broadcast()))) {
            yaml.error(f.get("address"), "address " + address + " is the subnet's network or broadcast address; pick a host address");
            return null;
        }
        if (gateway != null && !subnet.contains(gateway)) {
            yaml.error(f.get("gateway"), "gateway " + gateway + " is outside the subnet " + subnet);
            return null;
        }
        if (gateway != null && (gateway.bits() == subnet.network().address().bits() || gateway.bits() == subnet.broadcast().bits())) {
            yaml.error(f.get("gateway"), "gateway " + gateway + " is the subnet's network or broadcast address; pick a host address");
            return null;
        }
        Ipv4 gw = gateway != null ? gateway : subnet.firstHost();
        if (address != null && address.address().equals(gw)) {
            yaml.error(f.get("address"), "address " + address.address() + " is the gateway's address; pick another");
            return null;
        }
        return bridge == null ? null : new Network.Bridge(bridge, subnet, address, gw);
    }

    private Cidr cidr(Node node, String what) {
        String text = yaml.string(node, what);
        if (text == null) {
            return null;
        }
        Optional<Cidr> cidr = Cidr.parse(text);
        if (cidr.isEmpty()) {
            yaml.error(node, Shown.quote(text) + " is not an IPv4 address in CIDR form, like 192.168.42.10/24");
        }
        return cidr.orElse(null);
    }

    /** ASCII letters, digits, '-', '_' and '.': the kernel takes any byte but '/', ':' and spaces, tools do not. */
    static boolean isPlainName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    static boolean isReservedBridge(String name) {
        return RESERVED_BRIDGES.contains(name) || name.startsWith("ct-") || NIC.matcher(name).matches();
    }

    /** The reserved range the subnet overlaps, described, or null. */
    static String reservedOverlap(Cidr subnet) {
        for (String r : RESERVED) {
            Cidr range = Cidr.parse(r.substring(0, r.indexOf(' '))).orElseThrow();
            if (range.contains(subnet.network().address()) || subnet.contains(range.address())) {
                return r;
            }
        }
        return null;
    }

    static boolean isInterfaceName(String name) {
        return !name.isEmpty() && name.length() <= 15 && name.chars().noneMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c))
                && !name.equals(".") && !name.equals("..");
    }

    private static String mode(Network n) {
        if (n instanceof Network.Host) return "host";
        if (n instanceof Network.None) return "none";
        if (n instanceof Network.Container c) return "container:" + c.name();
        return "bridge";
    }
}
