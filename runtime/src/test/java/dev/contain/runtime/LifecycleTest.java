package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Detached containers on the real kernel: run -d hands the container to its monitor (the init's host side)
 * and no JVM stays; ps, logs, kill, stop, wait, rm, inspect and gc work on it from other processes.
 */
class LifecycleTest {
    /** A command that handles TERM (exit 3) and USR1 (a line), printing "ready" first. */
    private static final String HANDLER = "command: [sh, -c, 'trap \"echo got TERM; exit 3\" TERM; trap \"echo got USR1\" USR1; "
            + "echo ready; while true; do sleep 0.05; done']\n";
    private static final String IGNORES_TERM = "command: [sh, -c, 'trap \"\" TERM; echo ready; while true; do sleep 0.05; done']\n";

    private static void ok(Result r) {
        assertEquals(0, r.exit(), "exit code; stdout: " + r.out() + " stderr: " + r.err());
    }

    /** Waits until the container's log has a line. */
    private static void awaitLog(TestHost host, String name, String line) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        Result logs;
        do {
            logs = host.run("logs", name);
            if (logs.out().lines().anyMatch(line::equals)) {
                return;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("no line '" + line + "' in the log of " + name + ": " + logs.out() + logs.err());
    }

    private static long monitorPid(TestHost host, String name) throws Exception {
        return Long.parseLong(Files.readString(host.runRoot.resolve(name).resolve("engine")).trim().split(" ")[0]);
    }

    /** Gone, or a zombie its new parent has not reaped yet, within 5 s. */
    private static boolean endsSoon(long pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (java.io.IOException e) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void runDetachedThenPsLogsKillStopWaitRm() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Path spec = host.spec("web", "image: busybox\nnetwork: { bridge: life0, subnet: 10.77.0.0/24, address: 10.77.0.5/24 }\n" + HANDLER);
            Result run = host.run("run", "-d", spec.toString());
            ok(run);
            assertEquals("web", run.out().trim(), "run -d prints the name");
            awaitLog(host, "web", "ready");

            Result ps = host.run("ps");
            ok(ps);
            String row = ps.out().lines().filter(l -> l.startsWith("web ")).findFirst().orElseThrow(() -> new AssertionError(ps.out()));
            assertTrue(row.contains("running") && row.contains("10.77.0.5") && row.contains("busybox"), row);
            String json = host.run("ps", "--format", "json").out();
            assertTrue(json.contains("\"state\" : \"running\"") && json.contains("\"pid\" : "), json);
            long pid = Long.parseLong(json.replaceAll("(?s).*\"pid\" : (\\d+).*", "$1"));
            assertTrue(row.contains(" " + pid + " "), "ps shows the pid: " + row);
            assertTrue(Files.exists(Path.of("/proc/" + pid)), "ps shows the container's pid, which is alive: " + pid);
            assertTrue(Files.readString(Path.of("/proc/" + pid + "/cmdline")).startsWith("sh"), "the pid is the container's command");

            // no JVM stays: the monitor is the container's only process outside it
            long monitor = monitorPid(host, "web");
            assertEquals("contain-init", Files.readString(Path.of("/proc/" + monitor + "/comm")).trim());
            long rss = Files.readAllLines(Path.of("/proc/" + monitor + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
            System.out.println("monitor VmRSS: " + rss + " kB");
            assertTrue(rss <= 1024, "the monitor's RSS is at most 1 MiB: " + rss + " kB");

            ok(host.run("kill", "-s", "USR1", "web"));
            awaitLog(host, "web", "got USR1");

            Result inspect = host.run("inspect", "web");
            ok(inspect);
            assertTrue(inspect.out().contains("\"detach\"") && inspect.out().contains("\"hostname\", \"web\""), inspect.out());

            long t0 = System.nanoTime();
            Result stop = host.run("stop", "web");
            ok(stop);
            assertTrue(stop.err().contains("exited with code 3"), stop.err());
            assertTrue((System.nanoTime() - t0) / 1e9 < 8, "a handled SIGTERM ends it well before the grace period");
            Result wait = host.run("wait", "web");
            assertEquals(3, wait.exit());
            assertEquals("3", wait.out().trim());
            assertTrue(host.run("logs", "web").out().contains("got TERM"));
            assertTrue(host.run("ps").out().lines().noneMatch(l -> l.startsWith("web ")), "ps without -a hides it");
            assertTrue(host.run("ps", "-a").out().lines().anyMatch(l -> l.startsWith("web ") && l.contains("exited (3)")));
            assertTrue(endsSoon(monitor), "the monitor, then its teardown (exec'd in its process), has ended");
            ok(host.run("rm", "web"));
            assertEquals(125, host.run("logs", "web").exit(), "gone");
        }
    }

    @Test
    void stopOfACommandIgnoringTermTakesTheGracePeriodThenKills() throws Exception {
        try (TestHost host = new TestHost()) {
            ok(host.run("run", "-d", "--rm", host.spec("stubborn", "image: busybox\n" + IGNORES_TERM).toString()));
            awaitLog(host, "stubborn", "ready");
            long t0 = System.nanoTime();
            Result stop = host.run("stop", "-t", "2", "stubborn");
            double seconds = (System.nanoTime() - t0) / 1e9;
            ok(stop);
            assertTrue(stop.err().contains("killed by signal 9 (SIGKILL), exit 137"), stop.err());
            assertTrue(seconds >= 2 && seconds < 8, "took the 2 s grace period, then SIGKILL: " + seconds);
            assertFalse(Files.exists(host.runRoot.resolve("stubborn")), "--rm: its record went with the teardown");
        }
    }

    /** podman's and docker's -t -1: no limit. A command slow to end on SIGTERM gets the time it takes, never SIGKILL. */
    @Test
    void stopWithoutALimitWaitsForASlowCommandAndNeverKills() throws Exception {
        try (TestHost host = new TestHost()) {
            ok(host.run("run", "-d", host.spec("slow", "image: busybox\n"
                    + "command: [sh, -c, 'trap \"sleep 3; exit 5\" TERM; echo ready; while true; do sleep 0.05; done']\n").toString()));
            awaitLog(host, "slow", "ready");
            Result bad = host.run("stop", "-t", "-2", "slow");
            assertEquals(2, bad.exit(), bad.err());
            assertTrue(bad.err().contains("--time -2: give the seconds to wait before SIGKILL, or -1 to wait without a limit"), bad.err());
            long t0 = System.nanoTime();
            Result stop = host.run("stop", "-t", "-1", "slow");
            double seconds = (System.nanoTime() - t0) / 1e9;
            ok(stop);
            assertTrue(stop.err().contains("exited with code 5"), "its own status, not SIGKILL's: " + stop.err());
            assertTrue(seconds >= 3, "waited for the handler: " + seconds);
            ok(host.run("rm", "slow"));
        }
    }

    @Test
    void aCommandThatCannotRunFailsLikeInTheForegroundAndLeavesNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-d", host.spec("typo", "image: busybox\ncommand: [pyhton3]\n").toString());
            assertEquals(127, r.exit(), r.err());
            assertTrue(r.err().contains("exec \"pyhton3\": No such file or directory"), r.err());
            assertEquals("", r.out());
            r = host.run("run", "-d", host.spec("noexec", "image: busybox\ncommand: [/etc/passwd]\n").toString());
            assertEquals(126, r.exit(), r.err());
        }
    }

    @Test
    void waitRmAndTwoStopsAtOnce() throws Exception {
        try (TestHost host = new TestHost()) {
            ok(host.run("run", "-d", host.spec("brief", "image: busybox\ncommand: [sh, -c, 'echo out; echo err >&2; sleep 0.3; exit 7']\n").toString()));
            Result wait = host.run("wait", "brief");
            assertEquals(7, wait.exit(), wait.err());
            assertEquals("7", wait.out().trim());
            String logs = host.run("logs", "brief").out();
            assertTrue(logs.contains("out\n") && logs.contains("err\n"), "stdout and stderr in the log: " + logs);
            assertEquals(125, host.run("kill", "brief").exit(), "not running");
            ok(host.run("rm", "brief"));

            ok(host.run("run", "-d", host.spec("busy", "image: busybox\n" + HANDLER).toString()));
            assertEquals(125, host.run("rm", "busy").exit(), "rm refuses a running container without -f");
            ok(host.run("rm", "-f", "busy"));
            assertFalse(Files.exists(host.runRoot.resolve("busy")));

            ok(host.run("run", "-d", host.spec("twice", "image: busybox\n" + HANDLER).toString()));
            awaitLog(host, "twice", "ready");
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<Result> a = pool.submit(() -> host.run("stop", "twice"));
            Future<Result> b = pool.submit(() -> host.run("stop", "twice"));
            Result ra = a.get(), rb = b.get();
            pool.shutdown();
            ok(ra);
            ok(rb);
            assertTrue(ra.err().contains("exited with code 3") && rb.err().contains("exited with code 3"), ra.err() + rb.err());
            assertEquals(1, host.run("logs", "twice").out().lines().filter("got TERM"::equals).count(), "ended once");
            ok(host.run("rm", "twice"));
        }
    }

    @Test
    void killedMonitorThenGcLeavesNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            ok(host.run("run", "-d", host.spec("orphan", "image: busybox\nresources: { memory: 64Mi }\n" + HANDLER).toString()));
            awaitLog(host, "orphan", "ready");
            TestHost.exec(List.of("kill", "-9", Long.toString(monitorPid(host, "orphan"))));
            long deadline = System.currentTimeMillis() + 10_000;
            while (!host.run("ps", "-a").out().contains("dead") && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            String ps = host.run("ps", "-a").out();
            assertTrue(ps.contains("dead (its monitor or engine died; contain gc)"), "ps -a shows it dead, and what to do: " + ps);
            Result gc = host.run("gc");
            ok(gc);
            assertTrue(gc.out().contains("orphan"), gc.out());
        }
    }

    /** stop -t -1 of a command that ignores SIGTERM waits; the monitor's death ends the wait, with the reason. */
    @Test
    void stopWithoutALimitEndsWhenTheMonitorDies() throws Exception {
        try (TestHost host = new TestHost()) {
            ok(host.run("run", "-d", host.spec("deaf", "image: busybox\n" + IGNORES_TERM).toString()));
            awaitLog(host, "deaf", "ready");
            TestHost.Running stop = host.start("stop", "-t", "-1", "deaf");
            assertFalse(stop.process.waitFor(1500, java.util.concurrent.TimeUnit.MILLISECONDS), "no limit: no SIGKILL after a grace period");
            TestHost.exec(List.of("kill", "-9", Long.toString(monitorPid(host, "deaf"))));
            Result r = stop.finish();
            assertEquals(125, r.exit(), r.err());
            assertTrue(r.err().contains("deaf: stop: its monitor (or its engine) died"), r.err());
            Result gc = host.run("gc");
            ok(gc);
            assertTrue(gc.out().contains("deaf"), gc.out());
        }
    }

    @Test
    void logRotatesAtItsSize() throws Exception {
        try (TestHost host = new TestHost()) {
            ok(host.run("run", "-d", "--log-size", "8Ki", host.spec("chatty", "image: busybox\n"
                    + "command: [sh, -c, 'i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done']\n").toString()));
            assertEquals(0, host.run("wait", "chatty").exit());
            Path log = host.runRoot.resolve("chatty/log");
            assertTrue(Files.exists(log.resolveSibling("log.1")), "rotated");
            assertTrue(Files.size(log) <= 8192 + 16384 && Files.size(log.resolveSibling("log.1")) <= 8192 + 16384);
            assertEquals("line 1999", host.run("logs", "--tail", "1", "chatty").out().trim());
            assertEquals(125, host.run("run", "-d", "--log-size", "12", host.spec("tiny", "image: busybox\ncommand: [true]\n").toString()).exit());
            ok(host.run("rm", "chatty"));
        }
    }

    @Test
    void twentyDetachedContainersStartedAndStoppedInParallel() throws Exception {
        try (TestHost host = new TestHost()) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Result>> runs = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    Path spec = host.spec("par" + i, "image: busybox\nresources: { memory: 32Mi, pids: 16 }\n" + HANDLER);
                    runs.add(pool.submit(() -> host.run("run", "-d", spec.toString())));
                }
                for (Future<Result> r : runs) {
                    ok(r.get());
                }
                assertEquals(20, host.run("ps").out().lines().filter(l -> l.startsWith("par")).count());
                List<Future<Result>> stops = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String name = "par" + i;
                    stops.add(pool.submit(() -> host.run("rm", "-f", name)));
                }
                for (Future<Result> r : stops) {
                    ok(r.get());
                }
            } finally { // a failure above must not leave runs going while the host checks and removes its folders
                pool.shutdown();
                assertTrue(pool.awaitTermination(3, java.util.concurrent.TimeUnit.MINUTES), "the runs and removals ended");
            }
        }
    }
}
