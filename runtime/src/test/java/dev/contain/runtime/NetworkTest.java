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
    void isolatedGroupsCannotReachEachOther() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Running a = host.start("run", "-q", host.spec("a", "image: busybox\nnetwork: { bridge: net-ab, address: 10.1.0.2/24 }\n" + SERVER).toString());
            Running c = host.start("run", "-q", host.spec("c", "image: busybox\nnetwork: { bridge: net-cd, address: 10.2.0.2/24 }\n" + SERVER).toString());
            a.awaitLine("ready");
            c.awaitLine("ready");
            Result b = host.run("run", "-q", host.spec("b", "image: busybox\nnetwork: { bridge: net-ab, subnet: 10.1.0.0/24 }\ncommand: " + fetch("10.1.0.2") + "\n").toString());
            assertEquals(0, b.exit(), "B reaches A on their bridge: " + b.err());
            Result d = host.run("run", "-q", host.spec("d", "image: busybox\nnetwork: { bridge: net-cd, subnet: 10.2.0.0/24 }\ncommand: " + fetch("10.1.0.2") + "\n").toString());
            assertTrue(d.exit() != 0, "D must not reach A: " + d.out());
            Result dc = host.run("run", "-q", host.spec("d2", "image: busybox\nnetwork: { bridge: net-cd, subnet: 10.2.0.0/24 }\ncommand: " + fetch("10.2.0.2") + "\n").toString());
            assertEquals(0, dc.exit(), "D reaches C: " + dc.err());
            a.finish();
            c.finish();
        }
    }

    @Test
    void aContainerOnTwoBridgesConnectsTwoOthersThatCannotReachEachOther() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Running b = host.start("run", "-q", "--name", "b", "../examples/proxy-b.yaml");
            b.firstLineContaining("10.10.2.2/24"); // B prints its addresses once both interfaces are up
            Running c = host.start("run", "-q", host.spec("c", "image: busybox\nnetwork: { bridge: net-bc, address: 10.10.2.3/24 }\n" + SERVER).toString());
            c.awaitLine("ready");
            String a = "image: busybox\nnetwork: { bridge: net-ab, address: 10.10.1.3/24 }\ncommand: ";
            assertEquals(0, host.run("run", "-q", host.spec("a1", a + "[ping, -c, '1', -W, '1', 10.10.1.2]\n").toString()).exit(), "A reaches B");
            Result aToC = host.run("run", "-q", host.spec("a2", a + fetch("10.10.2.3") + "\n").toString());
            assertTrue(aToC.exit() != 0, "A must not reach C: " + aToC.out());
            Result cToB = host.run("run", "-q", host.spec("c2", "image: busybox\nnetwork: { bridge: net-bc, address: 10.10.2.4/24 }\n"
                    + "command: [ping, -c, '1', -W, '1', 10.10.2.2]\n").toString());
            assertEquals(0, cToB.exit(), "C's side reaches B: " + cToB.out());
            c.finish();
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
            assertEquals("removed bridge contain0\n", host.run("network", "rm", "--all").out());
            assertTrue(!host.inNetns("ip", "-br", "link").contains("contain0"));
            assertEquals(125, host.run("network", "rm", "nope").exit());
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
