package dev.contain.runtime.net;

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
 * adds their elements (and the table, sets, chain and rules, as they should be) in one transaction, so it is
 * idempotent and never leaves a half-made table; the kernel cannot compare iifname with oifname in one rule, hence the
 * pair set. Callers serialise adds and removes ({@link Bridges}' lock): removing the last bridge removes the table.
 */
public final class Isolation {
    public static final String FAMILY = "inet";
    public static final String TABLE = "contain";
    static final String BRIDGES = "bridges";
    static final String SAME_BRIDGE = "same_bridge";

    private Isolation() {}

    /** The table, its chain and rules as they should be, and the bridges in its sets: one transaction. */
    public static void add(List<String> bridges) throws NetlinkException {
        List<String> cmds = new ArrayList<>();
        cmds.add(cmd("add", "table", "\"family\":\"inet\",\"name\":\"" + TABLE + "\""));
        cmds.add(cmd("add", "set", in() + ",\"name\":\"" + BRIDGES + "\",\"type\":\"ifname\""));
        cmds.add(cmd("add", "set", in() + ",\"name\":\"" + SAME_BRIDGE + "\",\"type\":[\"ifname\",\"ifname\"]"));
        String chain = in() + ",\"name\":\"forward\"";
        cmds.add(cmd("add", "chain", chain + ",\"type\":\"filter\",\"hook\":\"forward\",\"prio\":0,\"policy\":\"accept\""));
        cmds.add(cmd("flush", "chain", chain)); // then the rules anew: an add of a rule that exists would repeat it
        cmds.add(rule("within one bridge (seen here only with br_netfilter)",
                match(concat(meta("iifname"), meta("oifname")), "\"@" + SAME_BRIDGE + "\""), "{\"accept\":null}"));
        cmds.add(rule("between two of contain's bridges",
                match(meta("iifname"), "\"@" + BRIDGES + "\""), match(meta("oifname"), "\"@" + BRIDGES + "\""), "{\"drop\":null}"));
        cmds.add(rule("into a bridge: replies to its containers' own connections",
                match(meta("oifname"), "\"@" + BRIDGES + "\""),
                "{\"match\":{\"op\":\"in\",\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":[\"established\",\"related\"]}}", "{\"accept\":null}"));
        cmds.add(rule("into a bridge: nothing else", match(meta("oifname"), "\"@" + BRIDGES + "\""), "{\"drop\":null}"));
        cmds.addAll(elements("add", bridges));
        Libnftables.run(batch(cmds));
    }

    /** The bridge out of the sets; the table goes with the last bridge. Nothing to do if it is not there. */
    public static void remove(String bridge) throws NetlinkException {
        List<String> present = bridges();
        if (present == null) {
            return;
        }
        if (present.isEmpty() || present.equals(List.of(bridge))) {
            Libnftables.run(batch(List.of(cmd("delete", "table", "\"family\":\"inet\",\"name\":\"" + TABLE + "\""))));
        } else if (present.contains(bridge)) {
            Libnftables.run(batch(elements("delete", List.of(bridge))));
        }
    }

    /** The bridges in the table's set, or null if there is no table. */
    public static List<String> bridges() throws NetlinkException {
        String out;
        try {
            out = Libnftables.run(batch(List.of(cmd("list", "set", in() + ",\"name\":\"" + BRIDGES + "\""))));
        } catch (NetlinkException e) {
            if (!tableExists()) {
                return null;
            }
            throw e;
        }
        return elements(out);
    }

    private static boolean tableExists() throws NetlinkException {
        String out = Libnftables.run(batch(List.of(cmd("list", "tables", "\"family\":\"inet\""))));
        return out.contains("\"name\": \"" + TABLE + "\"") || out.contains("\"name\":\"" + TABLE + "\"");
    }

    /** The strings of the "elem" array in libnftables's JSON listing of one set of names. */
    static List<String> elements(String json) throws NetlinkException {
        List<String> names = new ArrayList<>();
        int at = json.indexOf("\"elem\"");
        if (at < 0) {
            if (!json.contains("\"set\"")) {
                throw new NetlinkException("unexpected listing of set " + BRIDGES + ": " + json);
            }
            return names; // an empty set has no "elem"
        }
        int i = json.indexOf('[', at) + 1;
        while (i > 0 && i < json.length() && json.charAt(i) != ']') {
            char c = json.charAt(i);
            if (c == '"') {
                StringBuilder s = new StringBuilder();
                for (i++; json.charAt(i) != '"'; i++) {
                    s.append(json.charAt(i) == '\\' ? json.charAt(++i) : json.charAt(i));
                }
                names.add(s.toString());
            }
            i++;
        }
        return names;
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

    private static String rule(String comment, String... exprs) {
        return cmd("add", "rule", in() + ",\"chain\":\"forward\",\"comment\":" + quote("contain: " + comment)
                + ",\"expr\":[" + String.join(",", exprs) + "]");
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
