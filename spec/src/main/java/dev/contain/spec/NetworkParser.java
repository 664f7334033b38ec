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
                    yaml.error(f.get(key), "'" + key + "' only applies to network mode bridge, not " + mode);
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
                yaml.error(modeNode, "unknown network mode '" + mode + "'" + Suggestions.didYouMean(mode, MODES)
                        + "; use none, host, bridge or container:NAME");
                return null;
        }
    }

    private Network bridge(Node where, Map<String, Node> f, String what) {
        String bridge = DEFAULT_BRIDGE;
        if (f.containsKey("bridge")) {
            bridge = yaml.string(f.get("bridge"), what + ".bridge");
            if (bridge != null && !isInterfaceName(bridge)) {
                yaml.error(f.get("bridge"), "'" + bridge + "' is not a valid interface name: 1 to 15 characters, no '/', ':' or spaces");
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
                yaml.error(f.get("gateway"), "'" + text + "' is not an IPv4 address, like 192.168.42.1");
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
            yaml.error(node, "'" + text + "' is not an IPv4 address in CIDR form, like 192.168.42.10/24");
        }
        return cidr.orElse(null);
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
