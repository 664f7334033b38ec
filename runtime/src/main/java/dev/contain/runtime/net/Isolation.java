package dev.contain.runtime.net;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.NetlinkException;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's own firewall, so that its bridges are isolated whatever the host's {@code net.ipv4.ip_forward}
 * says (docker's isolation chains do the same): one nftables table, {@code inet contain}, in the engine's
 * network namespace, whose forward chain has four fixed rules over two sets keyed by bridge name:
 * <pre>
 *   iifname . oifname @same_bridge accept                   within one bridge (routed here only with br_netfilter)
 *   iifname @bridges oifname @bridges drop                  between two of contain's bridges
 *   oifname @bridges ct state established,related accept    into a bridge: replies to its containers' connections
 *   oifname @bridges drop                                   into a bridge: nothing else
 * </pre>
 * So a container reaches its own bridge and the host's own addresses; what it sends elsewhere is routed (or
 * not) by the host's own settings, as before (contain does no NAT); nothing is routed to it. Adding bridges
 * adds their elements, and puts back whatever of the table, sets, chain and rules is not as it should be, in
 * one transaction: idempotent, and never a half-made table. The kernel cannot compare iifname with oifname in
 * one rule, hence the pair set. Callers serialise adds and removes ({@link Bridges}' lock): removing the last
 * bridge removes the table.
 */
public final class Isolation {
    public static final String FAMILY = "inet";
    public static final String TABLE = "contain";
    static final String BRIDGES = "bridges";
    static final String SAME_BRIDGE = "same_bridge";

    /** One rule of the forward chain: its comment (by which a listing is checked) and its expressions. */
    private record Rule(String comment, String... exprs) {}

    private static final String IN_BRIDGES = "\"@" + BRIDGES + "\"";
    private static final List<Rule> RULES = List.of(
            new Rule("contain: within one bridge (seen here only with br_netfilter)",
                    match(concat(meta("iifname"), meta("oifname")), "\"@" + SAME_BRIDGE + "\""), "{\"accept\":null}"),
            new Rule("contain: between two of contain's bridges",
                    match(meta("iifname"), IN_BRIDGES), match(meta("oifname"), IN_BRIDGES), "{\"drop\":null}"),
            new Rule("contain: into a bridge: replies to its containers' own connections",
                    match(meta("oifname"), IN_BRIDGES),
                    "{\"match\":{\"op\":\"in\",\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":[\"established\",\"related\"]}}",
                    "{\"accept\":null}"),
            new Rule("contain: into a bridge: nothing else", match(meta("oifname"), IN_BRIDGES), "{\"drop\":null}"));

    private final Kernel kernel;

    /** Through {@code kernel}'s nftables. */
    public Isolation(Kernel kernel) {
        this.kernel = kernel;
    }

    /**
     * The bridges in the sets, in one transaction; when the chain's rules are not as they should be (the first
     * bridge, a ruleset flushed since, another version's rules), the same transaction makes what is missing of
     * the table, sets and chain and puts the rules back. Not on every call: replacing rules, or adding the base
     * chain that exists, waits ~15 ms in the kernel (RCU grace periods, measured here); adding elements ~0.3 ms.
     */
    public void add(List<String> bridges) throws NetlinkException {
        if (rulesInPlace()) {
            try {
                kernel.nftables(batch(elements("add", bridges)));
                return;
            } catch (NetlinkException e) {
                // a set went missing since the listing: everything, below
            }
        }
        String chain = in() + ",\"name\":\"forward\"";
        List<String> cmds = new ArrayList<>();
        cmds.add(cmd("add", "table", "\"family\":\"" + FAMILY + "\",\"name\":\"" + TABLE + "\""));
        cmds.add(cmd("add", "set", in() + ",\"name\":\"" + BRIDGES + "\",\"type\":\"ifname\""));
        cmds.add(cmd("add", "set", in() + ",\"name\":\"" + SAME_BRIDGE + "\",\"type\":[\"ifname\",\"ifname\"]"));
        cmds.add(cmd("add", "chain", chain + ",\"type\":\"filter\",\"hook\":\"forward\",\"prio\":0,\"policy\":\"accept\""));
        cmds.add(cmd("flush", "chain", chain)); // then the rules anew: an add of a rule that exists would repeat it
        for (Rule r : RULES) {
            cmds.add(cmd("add", "rule", in() + ",\"chain\":\"forward\",\"comment\":" + quote(r.comment())
                    + ",\"expr\":[" + String.join(",", r.exprs()) + "]"));
        }
        cmds.addAll(elements("add", bridges));
        kernel.nftables(batch(cmds));
    }

    /** Whether the forward chain exists with exactly the rules above (known by their comments), in order. */
    private boolean rulesInPlace() {
        String out;
        try {
            out = kernel.nftables(batch(List.of(cmd("list", "chain", in() + ",\"name\":\"forward\""))));
        } catch (NetlinkException e) {
            return false; // no table, or no chain
        }
        return strings(out, "\"comment\"").equals(RULES.stream().map(Rule::comment).toList())
                && out.split("\\{\"rule\": ", -1).length - 1 == RULES.size();
    }

    /** The bridge out of the sets; the table goes with the last bridge. Nothing to do if it is not there. */
    public void remove(String bridge) throws NetlinkException {
        List<String> present = bridges();
        if (present == null) {
            return;
        }
        if (present.isEmpty() || present.equals(List.of(bridge))) {
            kernel.nftables(batch(List.of(cmd("delete", "table", "\"family\":\"" + FAMILY + "\",\"name\":\"" + TABLE + "\""))));
        } else if (present.contains(bridge)) {
            kernel.nftables(batch(elements("delete", List.of(bridge))));
        }
    }

    /** The bridges in the table's set, or null if there is no table. */
    public List<String> bridges() throws NetlinkException {
        String out;
        try {
            out = kernel.nftables(batch(List.of(cmd("list", "set", in() + ",\"name\":\"" + BRIDGES + "\""))));
        } catch (NetlinkException e) {
            if (!tableExists()) {
                return null;
            }
            throw e;
        }
        return elements(out);
    }

    private boolean tableExists() throws NetlinkException {
        String out = kernel.nftables(batch(List.of(cmd("list", "tables", "\"family\":\"" + FAMILY + "\""))));
        return strings(out, "\"name\"").contains(TABLE);
    }

    /** The names in libnftables's JSON listing of one set ("elem"; an empty set has none). */
    static List<String> elements(String json) throws NetlinkException {
        if (!json.contains("\"set\"")) {
            throw new NetlinkException("unexpected listing of set " + BRIDGES + ": " + json);
        }
        return strings(json, "\"elem\"");
    }

    /** The JSON strings that are the values of {@code key} in a listing, in order: one string or an array of them. */
    static List<String> strings(String json, String key) {
        List<String> found = new ArrayList<>();
        for (int at = json.indexOf(key); at >= 0; at = json.indexOf(key, at + 1)) {
            int i = at + key.length();
            while (i < json.length() && (json.charAt(i) == ':' || json.charAt(i) == ' ')) {
                i++;
            }
            boolean array = i < json.length() && json.charAt(i) == '[';
            i += array ? 1 : 0;
            while (i < json.length() && json.charAt(i) == '"') {
                StringBuilder s = new StringBuilder();
                for (i++; i < json.length() && json.charAt(i) != '"'; i++) {
                    s.append(json.charAt(i) == '\\' && i + 1 < json.length() ? json.charAt(++i) : json.charAt(i));
                }
                found.add(s.toString());
                i++;
                if (!array) {
                    break;
                }
                while (i < json.length() && (json.charAt(i) == ',' || json.charAt(i) == ' ')) {
                    i++;
                }
            }
        }
        return found;
    }

    private static List<String> elements(String verb, List<String> bridges) {
        List<String> names = new ArrayList<>();
        List<String> pairs = new ArrayList<>();
        for (String bridge : bridges) {
            names.add(quote(bridge));
            pairs.add(concat(quote(bridge), quote(bridge)));
        }
        return List.of(
                cmd(verb, "element", in() + ",\"name\":\"" + BRIDGES + "\",\"elem\":[" + String.join(",", names) + "]"),
                cmd(verb, "element", in() + ",\"name\":\"" + SAME_BRIDGE + "\",\"elem\":[" + String.join(",", pairs) + "]"));
    }

    private static String in() {
        return "\"family\":\"" + FAMILY + "\",\"table\":\"" + TABLE + "\"";
    }

    private static String cmd(String verb, String object, String fields) {
        return "{\"" + verb + "\":{\"" + object + "\":{" + fields + "}}}";
    }

    private static String match(String left, String right) {
        return "{\"match\":{\"op\":\"==\",\"left\":" + left + ",\"right\":" + right + "}}";
    }

    private static String meta(String key) {
        return "{\"meta\":{\"key\":\"" + key + "\"}}";
    }

    private static String concat(String... parts) {
        return "{\"concat\":[" + String.join(",", parts) + "]}";
    }

    private static String batch(List<String> cmds) {
        return "{\"nftables\":[" + String.join(",", cmds) + "]}";
    }

    /** A JSON string; bridge names are validated interface names, but nothing unescaped reaches the batch. */
    static String quote(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append('"').toString();
    }
}
