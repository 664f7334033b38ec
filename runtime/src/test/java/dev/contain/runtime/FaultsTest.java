package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.TestHost.Running;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.EmbeddedBinary;
import dev.contain.runtime.kernel.LinuxKernel;
import dev.contain.runtime.net.BridgeAttachment;
import dev.contain.runtime.net.Leases;
import dev.contain.spec.Cidr;
import dev.contain.spec.Ipv4;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Faults on the real kernel: the engine killed or stalled at each step (kernel/TestHooks), a full disk,
 * the init killed, concurrent gc and network rm.
 */
class FaultsTest {
    static final String BUSYBOX = "image: busybox\n";

    /**
     * The write-ahead rule, step by step: a run with an archive image (unpacked), limits (cgroups), a bridge
     * network (lease, bridge and its rules, veth) is killed with SIGKILL at its 1st test point, then its 2nd, ... until it
     * completes; after each kill, `contain gc` must leave nothing: no state, lease, temporary, veth,
     * cgroup, mount or process.
     */
    @Test
    void killedAtEveryStepGcLeavesNothing() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Files.copy(TestHost.busybox(), host.dir.resolve("img.tar"));
            Path spec = host.spec("steps", "image: ./img.tar\nresources: { memory: 32Mi, pids: 64 }\nnetwork: bridge\ncommand: [true]\n");
            List<String> points = new ArrayList<>();
            for (int n = 1; ; n++) {
                assertTrue(n < 100, "the run never completed: " + points);
                Result r = host.run(host.cliWith(Map.of("crashAt", "#" + n), "run", "-q", spec.toString()));
                Matcher m = Pattern.compile("contain: test: point " + n + " \\((.+)\\): KILL").matcher(r.err());
                if (!m.find()) {
                    assertEquals(0, r.exit(), "the run past its last point: " + r.err());
                    break;
                }
                points.add(m.group(1));
                assertEquals(137, r.exit(), "killed at " + m.group(1) + ": " + r.err());
                Result gc = host.run("gc");
                assertEquals(0, gc.exit(), "gc after a kill at " + m.group(1) + ": " + gc.err());
                try {
                    host.assertNothingLeft();
                    assertEquals("", host.inNetns("sh", "-c", "ip -o link show | grep ct- || true"), "veths left");
                } catch (AssertionError e) {
                    throw new AssertionError("after a kill at point " + n + " (" + m.group(1) + ") and gc: " + e.getMessage(), e);
                }
                forgetArchiveImages(host); // so that every run takes the same steps
                assertEquals(0, host.run("network", "rm", "--all").exit(), "and makes its bridge (and its rules) anew");
            }
            System.out.println("killed at " + points.size() + " points, each followed by gc: " + points);
            for (String step : List.of("state:claiming", "state:claimed", "state:layers", "image:memo", "image:unpacking",
                    "image:unpacked", "cgroup:created", "cgroup:limited", "namespaces:init", "namespaces:cloned",
                    "namespaces:mapped", "leases:contain0", "write:contain0.leases", "network:leased", "network:isolated", "network:bridge",
                    "network:veth", "network:configured", "start:started", "wait:exited", "teardown:link", "teardown:lease",
                    "teardown:cgroup", "teardown:process", "teardown:tree")) {
                assertTrue(points.contains(step), step + " is among the steps killed at: " + points);
            }
        }
    }

    private static void forgetArchiveImages(TestHost host) throws Exception {
        Path images = host.dataRoot.resolve("images");
        try (Stream<Path> entries = Files.list(images)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith("sha256-")).toList()) {
                LinuxKernel.INSTANCE.deleteTree(p);
            }
        }
        LinuxKernel.INSTANCE.deleteTree(images.resolve(".digests"));
    }

    /** Killed between writing the new leases file and renaming it over the old one: the old one stands, whole. */
    @Test
    void anEngineKilledWhileWritingLeasesLosesNone() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Running a = host.start("run", "-q", "--name", "a", host.spec("a", BUSYBOX + "network: bridge\n" + NetworkTest.SERVER).toString());
            assertEquals("192.168.42.2/24", a.nextLine());
            a.awaitLine("ready");
            Path spec = host.spec("b", BUSYBOX + "network: bridge\ncommand: [sh, -c, 'ip -4 -o addr show eth0 | awk ''{print $4}''']\n");
            Result b = host.run(host.cliWith(Map.of("crashAt", "write:contain0.leases"), "run", "-q", "--name", "b", spec.toString()));
            assertEquals(137, b.exit(), b.err());
            assertTrue(b.err().contains("(write:contain0.leases): KILL"), b.err());
            assertEquals("192.168.42.2 a\n", Files.readString(host.runRoot.resolve(".networks/contain0.leases")), "a's lease stands");
            Result c = host.run("run", "-q", "--name", "c", spec.toString());
            assertEquals("192.168.42.3/24\n", c.out(), "a's address is not handed out again: " + c.err());
            assertEquals("removed the remains of container \"b\"\n", host.run("gc").out());
            assertEquals(0, a.finish().exit());
        }
    }

    /** ENOSPC while rewriting the leases: the error names the file; the leases and the folder are as before. */
    @Test
    void aFullRunRootKeepsEveryLease() throws Exception {
        try (TestHost host = new TestHost()) {
            Path runRoot = host.tmpfs(host.dir.resolve("full-run"), "64k");
            Leases leases = new Leases(runRoot);
            BridgeAttachment net = new BridgeAttachment("contain0", Cidr.parse("192.168.42.0/24").orElseThrow(), null,
                    Ipv4.parse("192.168.42.1").orElseThrow(), "ct-a-0");
            assertEquals("192.168.42.2/24", leases.acquire("a", net).address().toString());
            TestHost.fill(runRoot);
            ContainerError e = assertThrows(ContainerError.class, () -> leases.acquire("b", net));
            Path dir = runRoot.resolve(".networks");
            assertEquals("b: network: address leases in " + dir + ": cannot write " + dir.resolve("contain0.leases")
                    + ": No space left on device", e.userMessage());
            assertEquals(Map.of("contain0", Map.of(Ipv4.parse("192.168.42.2").orElseThrow().bits(), "a")), leases.all());
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of("contain0.leases", "lock"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                        "no new file left behind");
            }
            Files.delete(runRoot.resolve("filler"));
            leases.release("a", "contain0");
            assertEquals(Map.of(), leases.all());
        }
    }

    /**
     * An engine stalled while it claims a name (its folder made, its owner not yet written) holds the run
     * root's lock: gc and a second run with that name wait for it, then leave its folder alone and say the
     * name is in use. Stalled just after the claim, it is seen as running at once.
     */
    @Test
    void aStartingEngineIsNeverTakenForADeadOne() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("same", BUSYBOX + "command: [sh, -c, 'echo ready; read x; echo done']\n");
            for (String point : List.of("state:claiming", "state:claimed")) {
                Running first = host.start(host.cliWith(Map.of("pauseAt", point), "run", "-q", spec.toString()));
                first.awaitStopped();
                Running gc = host.start(host.cli("gc"));
                Running second = host.start(host.cli("run", "-q", spec.toString()));
                if (point.equals("state:claiming")) {
                    Thread.sleep(1000);
                    for (Running waiting : List.of(gc, second)) {
                        if (!waiting.process.isAlive()) { // say which one ended, and what it said
                            Result ended = waiting.finish();
                            fail("gc and the second run wait for the claim to finish; " + (waiting == gc ? "gc" : "the second run")
                                    + " ended (exit " + ended.exit() + "): " + ended.out() + ended.err());
                        }
                    }
                } else {
                    assertTrue(second.process.waitFor(30, TimeUnit.SECONDS), "the second run is refused without waiting for the first");
                }
                TestHost.exec(List.of("kill", "-CONT", Long.toString(first.process.pid())));
                Result gcResult = gc.finish();
                assertEquals(0, gcResult.exit(), gcResult.err());
                assertEquals("", gcResult.out(), "gc removes nothing of a live engine's");
                Result refused = second.finish();
                assertEquals(125, refused.exit());
                assertTrue(refused.err().startsWith("contain: same: state: the name \"same\" is in use by a running container (engine pid "
                        + first.process.pid() + ")"), refused.err());
                first.awaitLine("ready");
                first.send("\n");
                Result done = first.finish();
                assertEquals(0, done.exit(), done.err());
                assertEquals("ready\ndone\n", done.out());
            }
        }
    }

    /**
     * kill -9 of a bridge run: the container dies with its engine's pipe at once (its veth with its network
     * namespace); its lease stays (so `network rm` refuses the bridge) until gc, after which the bridge can go.
     */
    @Test
    void aBridgeRunKilledWithSigkillIsUndoneByGc() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Running run = host.start("run", "-q", "--name", "victim", host.spec("victim", BUSYBOX + "network: bridge\n" + NetworkTest.SERVER).toString());
            run.nextLine();
            run.awaitLine("ready");
            long container = Long.parseLong(Files.readString(host.runRoot.resolve("victim/pid")).split(" ")[0]);
            run.process.destroyForcibly();
            run.process.waitFor();
            RunTest.awaitGone(container);
            Result busy = host.run("network", "rm", "contain0");
            assertEquals("contain: network: bridge contain0 is in use by [victim]\n", busy.err());
            assertEquals("removed the remains of container \"victim\"\n", host.run("gc").out());
            assertFalse(host.inNetns("ip", "-o", "link", "show").contains("ct-victim-0"));
            assertEquals("removed bridge contain0\n", host.run("network", "rm", "contain0").out());
        }
    }

    /** `network rm` decides under the leases' lock: a run taking an address meanwhile makes it wait, then refuse. */
    @Test
    void networkRmWaitsForARunTakingAnAddress() throws Exception {
        try (TestHost host = new TestHost(true)) {
            assertEquals(0, host.run("run", "-q", host.spec("first", BUSYBOX + "network: bridge\ncommand: [true]\n").toString()).exit());
            Running late = host.start(host.cliWith(Map.of("pauseAt", "leases:contain0"), "run", "-q", "--name", "late",
                    host.spec("late", BUSYBOX + "network: bridge\n" + NetworkTest.SERVER).toString()));
            late.awaitStopped(); // holding the lock, its address about to be written
            Running rm = host.start(host.cli("network", "rm", "contain0"));
            Thread.sleep(1000);
            assertTrue(rm.process.isAlive(), "network rm waits for the lease being taken");
            TestHost.exec(List.of("kill", "-CONT", Long.toString(late.process.pid())));
            Result refused = rm.finish();
            assertEquals(125, refused.exit());
            assertEquals("contain: network: bridge contain0 is in use by [late]\n", refused.err());
            assertEquals("192.168.42.2/24", late.nextLine());
            late.awaitLine("ready");
            assertEquals(0, late.finish().exit());
            assertEquals("removed bridge contain0\n", host.run("network", "rm", "contain0").out());
        }
    }

    /** A data root too full for the init: the error names the file, and no temporary stays. */
    @Test
    void aFullDataRootNamesTheFileAndLeavesNoTemporary() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bin = host.tmpfs(host.dataRoot.resolve("bin"), "16k");
            Result r = host.run("run", "-q", "--image", "busybox", "--name", "full", "--", "true");
            assertEquals(125, r.exit());
            assertTrue(r.err().matches("contain: full: namespaces: cannot extract " + Pattern.quote(bin.toString())
                    + "/contain-init-[0-9a-f]{16}: No space left on device\n"), r.err());
            try (Stream<Path> files = Files.list(bin)) {
                assertEquals(List.of(), files.toList(), "the temporary is removed");
            }
            // JNA's dispatch library, extracted by the same code for bridge runs (which fall back to JNA's own copy)
            java.io.IOException jna = assertThrows(java.io.IOException.class, () -> EmbeddedBinary.JNA_DISPATCH_X86_64.ensure(host.dataRoot));
            assertTrue(jna.getMessage().matches("cannot extract " + Pattern.quote(bin.toString())
                    + "/jnidispatch-[0-9a-f]{16}/libjnidispatch.so: No space left on device"), jna.getMessage());
            try (Stream<Path> files = Files.walk(bin)) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "no temporary");
            }
        }
    }

    /** The init killed while the command runs: said, with the signal, before the teardown's lines. */
    @Test
    void killingTheInitIsReportedWithItsSignalBeforeTeardown() throws Exception {
        try (TestHost host = new TestHost()) {
            Running run = host.start("run", "--name", "orphan", host.spec("orphan", BUSYBOX + "command: [sh, -c, 'echo ready; sleep 60']\n").toString());
            run.awaitLine("ready");
            ProcessHandle init = ProcessHandle.of(run.process.pid()).orElseThrow().children()
                    .filter(p -> p.info().command().orElse("").contains("contain-init")).findFirst().orElseThrow();
            TestHost.exec(List.of("kill", "-KILL", Long.toString(init.pid())));
            Result r = run.finish();
            assertEquals(125, r.exit(), r.err());
            List<String> lines = r.err().lines().toList();
            String said = "contain: orphan: wait: the native init (pid " + init.pid() + ") was killed by signal 9 (SIGKILL) while the "
                    + "command ran; the container was killed with it, its exit status is lost";
            assertEquals(1, lines.stream().filter(said::equals).count(), r.err());
            assertTrue(lines.indexOf(said) < lines.indexOf("container \"orphan\" terminated"), "said before the teardown: " + r.err());
        }
    }
}
