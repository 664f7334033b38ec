package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.TestHost.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Networking on the real kernel, hermetic: every engine runs in a network namespace the test made, so
 * bridges, veths and traffic never touch the machine's own network.
 */
class NetworkTest {
    /** Prints its eth0 address, says ready, then serves /var/www on port 80 until stdin closes. */
    static final String SERVER = "command: [sh, -c, 'ip -4 -o addr show eth0 | awk ''{print $4}''; echo ready; "
            + "httpd -p 80 -h /var/www; read x || true']\n";

    /** An HTTP GET from inside a busybox container; prints the page's last line (busybox-static's wget needs NSS libraries). */
    static String fetch(String ip) {
        return "[sh, -c, 'printf \"GET / HTTP/1.0\\r\\n\\r\\n\" | nc -w 1 " + ip + " 80 | tail -n 1 | grep .']";
    }

    /**
     * Waits for addresses on stdin and fetches each one's page: prints "result: " and the page's last line, or
     * nc's own error (a dropped connection times out), so a test tells a failed connection from a failed engine.
     */
    static final String CLIENT = "command: [sh, -c, 'echo ready; while read ip; do "
            + "echo \"result: $(printf \"GET / HTTP/1.0\\r\\n\\r\\n\" | nc -w 2 $ip 80 2>&1 | tail -n 1)\"; done']\n";
    static final String PAGE = "result: <h1>hello from contain</h1>";
    static final String DROPPED = "result: nc: timed out";

    /** Has a running CLIENT fetch from ip; what it printed. */
    static String fetch(Running client, String ip) throws java.io.IOException {
        client.send(ip + "\n");
        return client.nextLine();
    }

    @Test
    void eth0HasItsAddressAndTheDefaultRoute() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Result r = host.run("run", "-q", "../examples/lab-networking.yaml");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("inet 192.168.42.10/24 scope global eth0"), r.out());
            assertTrue(r.out().contains("default via 192.168.42.1 dev eth0"), r.out());
            assertTrue(host.inNetns("ip", "-br", "addr", "show", "contain0").contains("192.168.42.1/24"), "the bridge has the gateway address");
            if (System.getProperty("os.arch").equals("amd64")) {
                try (var bin = Files.list(host.dataRoot.resolve("bin"))) {
                    assertTrue(bin.anyMatch(d -> d.getFileName().toString().startsWith("jnidispatch-") && Files.isRegularFile(d.resolve("libjnidispatch.so"))),
                            "JNA's native library is extracted once into the data root, not into a temporary file per run");
                }
            }
        }
    }

    @Test
    void theHostSideFetchesAPageFromTheContainer() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Path spec = host.spec("web", "image: busybox\nnetwork: bridge\n" + SERVER);
            Running web = host.start("run", "-q", spec.toString());
            String address = web.nextLine();
            web.awaitLine("ready");
            String ip = address.substring(0, address.indexOf('/'));
            assertEquals("192.168.42.2", ip, "the first free address after the gateway");
            String page = host.inNetns("sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 2 " + ip + " 80 | tail -n 1");
            assertEquals("<h1>hello from contain</h1>\n", page);
            assertEquals(0, web.finish().exit());
        }
    }

    @Test
    void twoContainersOnOneBridgeReachEachOther() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Running a = host.start("run", "-q", host.spec("a", "image: busybox\nnetwork: { address: 192.168.42.20/24 }\n" + SERVER).toString());
            a.awaitLine("ready");
            Result b = host.run("run", "-q", host.spec("b", "image: busybox\nnetwork: bridge\ncommand: " + fetch("192.168.42.20") + "\n").toString());
            assertEquals("<h1>hello from contain</h1>\n", b.out(), b.err());
            a.finish();
        }
    }

    @Test
    void isolatedGroupsCannotReachEachOtherThoughTheHostForwards() throws Exception {
        try (TestHost host = new TestHost(true)) {
            host.forwarding();
            Running a = host.start("run", "-q", host.spec("a", "image: busybox\nnetwork: { bridge: net-ab, address: 10.1.0.2/24 }\n" + SERVER).toString());
            Running c = host.start("run", "-q", host.spec("c", "image: busybox\nnetwork: { bridge: net-cd, address: 10.2.0.2/24 }\n" + SERVER).toString());
            a.awaitLine("ready");
            c.awaitLine("ready");
            Running b = host.start("run", "-q", host.spec("b", "image: busybox\nnetwork: { bridge: net-ab, subnet: 10.1.0.0/24 }\n" + CLIENT).toString());
            Running d = host.start("run", "-q", host.spec("d", "image: busybox\nnetwork: { bridge: net-cd, subnet: 10.2.0.0/24 }\n" + CLIENT).toString());
            b.awaitLine("ready");
            d.awaitLine("ready");
            assertEquals(List.of("net-ab", "net-cd"), host.isolatedBridges());
            assertEquals(PAGE, fetch(b, "10.1.0.2"), "B reaches A on their bridge");
            assertEquals(PAGE, fetch(d, "10.2.0.2"), "D reaches C on theirs");
            assertEquals(DROPPED, fetch(d, "10.1.0.2"), "D's connection to A is dropped, though the host forwards");
            assertEquals(DROPPED, fetch(b, "10.2.0.2"), "B's connection to C too");
            // the control: without the engine's table, this host forwards between the bridges
            assertEquals("", host.inNetns("nft", "delete", "table", "inet", "contain"));
            assertEquals(PAGE, fetch(d, "10.1.0.2"), "without the engine's rules D reaches A: they are what stopped it");
            // any run puts back the isolation of every bridge of the engine's, not only its own
            assertEquals(0, host.run("run", "-q", host.spec("e", "image: busybox\nnetwork: { bridge: net-ab, subnet: 10.1.0.0/24 }\ncommand: [true]\n").toString()).exit());
            assertEquals(DROPPED, fetch(d, "10.1.0.2"), "restored by the next run, on the other bridge");
            for (Running r : List.of(a, b, c, d)) {
                assertEquals(0, r.finish().exit());
            }
        }
    }

    @Test
    void aContainerOnTwoBridgesConnectsTwoOthersThatCannotReachEachOther() throws Exception {
        try (TestHost host = new TestHost(true)) {
            host.forwarding();
            Running b = host.start("run", "-q", "--name", "b", "../examples/proxy-b.yaml");
            b.firstLineContaining("10.10.2.2/24"); // B prints its addresses once both interfaces are up
            Running c = host.start("run", "-q", host.spec("c", "image: busybox\nnetwork: { bridge: net-bc, address: 10.10.2.3/24 }\n" + SERVER).toString());
            c.awaitLine("ready");
            Running a = host.start("run", "-q", host.spec("a", "image: busybox\nnetwork: { bridge: net-ab, address: 10.10.1.3/24 }\n" + CLIENT).toString());
            a.awaitLine("ready");
            String ping = "command: [ping, -c, '1', -W, '1', %s]\n";
            assertEquals(0, host.run("run", "-q", host.spec("a1", "image: busybox\nnetwork: { bridge: net-ab, address: 10.10.1.4/24 }\n"
                    + ping.formatted("10.10.1.2")).toString()).exit(), "A's side reaches B");
            Result cToB = host.run("run", "-q", host.spec("c2", "image: busybox\nnetwork: { bridge: net-bc, address: 10.10.2.4/24 }\n"
                    + ping.formatted("10.10.2.2")).toString());
            assertEquals(0, cToB.exit(), "C's side reaches B: " + cToB.out());
            assertEquals(DROPPED, fetch(a, "10.10.2.3"), "A's connection to C is dropped, though the host forwards");
            assertEquals("", host.inNetns("nft", "delete", "table", "inet", "contain"));
            assertEquals(PAGE, fetch(a, "10.10.2.3"), "without the engine's rules A reaches C through the host: they are what stopped it");
            assertEquals(0, host.run("run", "-q", host.spec("a1", "image: busybox\nnetwork: { bridge: net-ab, address: 10.10.1.4/24 }\n"
                    + ping.formatted("10.10.1.2")).toString()).exit());
            assertEquals(DROPPED, fetch(a, "10.10.2.3"), "restored by the next run");
            assertEquals(0, a.finish().exit());
            assertEquals(0, c.finish().exit());
            b.signal("TERM");
            b.signal("TERM"); // sleep as PID 1 ignores the first
            b.finish();
        }
    }

    @Test
    void aSidecarSharesThePodsNetworkNamespace() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Running web = host.start("run", "-q", "--name", "web", host.spec("web", "image: busybox\nnetwork: bridge\n" + SERVER).toString());
            web.awaitLine("ready");
            Result sidecar = host.run("run", "-q", "../examples/pod-sidecar.yaml");
            assertEquals("<h1>hello from contain</h1>\n", sidecar.out(), "localhost is the pod's: " + sidecar.err());
            Result alone = host.run("run", "-q", "../examples/pod-sidecar.yaml", "--", "true");
            assertEquals(0, alone.exit());
            web.finish();
            Result noPod = host.run("run", "-q", "../examples/pod-sidecar.yaml");
            assertEquals(125, noPod.exit());
            assertEquals("contain: sidecar: network: network container:web: no running container named \"web\"\n", noPod.err());
        }
    }

    @Test
    void concurrentRunsGetDifferentAddresses() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Path spec = host.spec("many", "image: busybox\nnetwork: bridge\n" + SERVER);
            List<Running> runs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                runs.add(host.start("run", "-q", "--name", "c" + i, spec.toString()));
            }
            Set<String> addresses = new HashSet<>();
            for (Running r : runs) {
                addresses.add(r.nextLine());
                r.awaitLine("ready");
            }
            assertEquals(5, addresses.size(), addresses.toString());
            for (Running r : runs) {
                assertEquals(0, r.finish().exit());
            }
        }
    }

    @Test
    void anAddressInUseIsRefusedNamingItsHolder() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Path spec = host.spec("fixed", "image: busybox\nnetwork: { address: 192.168.42.10/24 }\n" + SERVER);
            Running first = host.start("run", "-q", "--name", "first", spec.toString());
            first.awaitLine("ready");
            Result second = host.run("run", "-q", "--name", "second", spec.toString());
            assertEquals(125, second.exit());
            assertEquals("contain: second: network: address 192.168.42.10 on bridge contain0 is in use by container \"first\"\n", second.err());
            first.finish();
        }
    }

    @Test
    void noneModeHasOnlyLoopbackUpAndHostModeSharesTheNetwork() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Result none = host.run("run", "-q", "--image", "busybox", "--", "sh", "-c", "ip -o link | cut -d: -f2; ping -c 1 -W 1 127.0.0.1 >/dev/null && echo lo-ok");
            assertEquals(" lo\nlo-ok\n", none.out(), none.err());
            assertEquals("", host.inNetns("ip", "link", "add", "marker0", "type", "bridge"));
            Path spec = host.spec("hostnet", "image: busybox\nnetwork: host\ncommand: [sh, -c, 'ip -o link | grep -c marker0']\n");
            assertEquals("1\n", host.run("run", "-q", spec.toString()).out(), "host mode sees the host's links");
        }
    }

    @Test
    void bridgesStayUntilRemovedAndAreRemovedOnlyWhenUnused() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Running web = host.start("run", "-q", "--name", "web", host.spec("web", "image: busybox\nnetwork: bridge\n" + SERVER).toString());
            web.nextLine();
            web.awaitLine("ready");
            Result ls = host.run("network", "ls");
            assertTrue(ls.out().matches("(?s).*contain0\\s+192.168.42.1/24\\s+yes\\s+web 192.168.42.2.*"), ls.out());
            Result busy = host.run("network", "rm", "contain0");
            assertEquals(125, busy.exit());
            assertEquals("contain: network: bridge contain0 is in use by [web]\n", busy.err());
            Result done = web.finish();
            assertEquals("", done.err(), "web's teardown is clean");
            assertTrue(host.inNetns("ip", "-br", "link").contains("contain0"), "the bridge stays, like docker0");
            assertEquals(List.of("contain0"), host.isolatedBridges(), "and its isolation with it");
            assertEquals(0, host.run("run", "-q", "--name", "other", host.spec("other", "image: busybox\nnetwork: { bridge: net-o, subnet: 10.3.0.0/24 }\ncommand: [true]\n").toString()).exit());
            assertEquals(List.of("contain0", "net-o"), host.isolatedBridges());
            host.inNetns("ip", "link", "del", "net-o"); // behind the engine's back: listed as absent, still removable
            Result absent = host.run("network", "ls");
            assertTrue(absent.out().matches("(?s).*net-o\\s+10.3.0.1/24\\s+no\\s.*"), absent.out());
            assertEquals("removed bridge net-o\n", host.run("network", "rm", "net-o").out());
            assertEquals(List.of("contain0"), host.isolatedBridges(), "a bridge's rules go with it");
            assertEquals("removed bridge contain0\n", host.run("network", "rm", "--all").out());
            assertTrue(!host.inNetns("ip", "-br", "link").contains("contain0"));
            assertEquals("", host.inNetns("nft", "list", "tables"), "the table goes with the last bridge");
            assertEquals(125, host.run("network", "rm", "nope").exit());
        }
    }

    @Test
    void anEngineKilledWhileMakingABridgeLeavesItsRulesToGcAndABridgeKeepsItsRulesUntilRemoved() throws Exception {
        try (TestHost host = new TestHost(true)) {
            // the engine kills itself (SIGKILL) after the new bridge's rules, before the bridge
            Path record = host.dataRoot.resolve("networks/net-k");
            Result r = host.run(host.cliWith(Map.of("crashAt", "network:isolated"), "run", "-q",
                    host.spec("k", "image: busybox\nnetwork: { bridge: net-k, subnet: 10.4.0.0/24 }\ncommand: [true]\n").toString()));
            assertEquals(137, r.exit(), "killed by SIGKILL: " + r.err());
            assertTrue(r.err().contains("(network:isolated): KILL"), r.err());
            assertEquals(List.of("net-k"), host.isolatedBridges(), "the rules were made before the bridge");
            assertTrue(!host.inNetns("ip", "-br", "link").contains("net-k"), "the bridge was never made");
            assertEquals("removed the remains of container \"k\"\n", host.run("gc").out());
            assertEquals("", host.inNetns("nft", "list", "tables"), "gc removed the rules of the bridge that never was");
            assertTrue(!Files.exists(record), "and its record");

            // killed while its container runs: gc removes the veth and the lease; the bridge stays, with its rules
            Running web = host.start("run", "-q", "--name", "web", host.spec("web", "image: busybox\nnetwork: bridge\n" + SERVER).toString());
            web.nextLine();
            web.awaitLine("ready");
            web.signal("KILL");
            web.finish();
            assertEquals("removed the remains of container \"web\"\n", host.run("gc").out());
            assertEquals(List.of("contain0"), host.isolatedBridges());
            assertEquals("removed bridge contain0\n", host.run("network", "rm", "contain0").out());
            assertEquals("", host.inNetns("nft", "list", "tables"), "the rules went with the bridge");
        }
    }

    @Test
    void aRunThatCannotIsolateItsBridgeFailsAndMakesNoBridge() throws Exception {
        try (TestHost host = new TestHost(true)) {
            // a table of that name, not the engine's: its set holds addresses, not interface names
            assertEquals("", host.inNetns("nft", "add table inet contain; add set inet contain bridges { type ipv4_addr; }"));
            Result r = host.run("run", "-q", host.spec("f", "image: busybox\nnetwork: { bridge: net-f, subnet: 10.6.0.0/24 }\ncommand: [true]\n").toString());
            assertEquals(125, r.exit(), r.err());
            assertTrue(r.err().startsWith("contain: f: network: isolate bridges net-f (nftables table inet contain): datatype mismatch, expected network interface name"), r.err());
            assertTrue(!host.inNetns("ip", "-br", "link").contains("net-f"), "no bridge without its isolation");
            assertEquals(List.of(), host.run("network", "ls").out().lines().skip(1).toList(), "nor its record");
        }
    }

    @Test
    void manyShortRunsTwoAtATimeNeverCollide() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Path spec = host.spec("short", "image: busybox\nnetwork: bridge\ncommand: [true]\n");
            List<Integer> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread[] workers = new Thread[2];
            for (int w = 0; w < 2; w++) {
                int worker = w;
                workers[w] = new Thread(() -> {
                    for (int i = 0; i < 8; i++) {
                        try {
                            Result r = host.run("run", "-q", "--name", "w" + worker + "-" + i, spec.toString());
                            if (r.exit() != 0) {
                                failures.add(r.exit());
                                errors.add(r.err());
                            }
                        } catch (Exception e) {
                            errors.add(e.toString());
                        }
                    }
                });
                workers[w].start();
            }
            for (Thread t : workers) {
                t.join();
            }
            assertEquals(List.of(), errors);
        }
    }
}
