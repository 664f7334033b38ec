package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.TestHost.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** `contain run` against the real kernel, as root: isolation, rootfs, exit codes, signals, teardown. */
class RunTest {
    static final String BUSYBOX = "image: busybox\n";

    @Test
    void everyNamespaceDiffersFromTheHosts() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("ns", BUSYBOX + "command: [sh, -c, 'for n in user uts pid net mnt ipc cgroup; do echo $n $(readlink /proc/self/ns/$n); done']\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            Map<String, String> inside = new TreeMap<>();
            for (String line : r.out().strip().split("\n")) {
                String[] f = line.split(" ");
                inside.put(f[0], f[1]);
            }
            assertEquals(7, inside.size(), r.out());
            for (var e : inside.entrySet()) {
                String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns", e.getKey())).toString();
                assertNotEquals(hostNs, e.getValue(), e.getKey() + " namespace is the host's");
            }
            Path time = host.spec("time", BUSYBOX + "namespaces: [user, mnt, pid, time]\ncommand: [readlink, /proc/self/ns/time]\n");
            Result t = host.run("run", "-q", time.toString());
            assertEquals(0, t.exit(), t.err());
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString(), t.out().strip(), "time namespace, when asked");
        }
    }

    @Test
    void theLabsTestCommandSeesAnIsolatedMachine() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "../examples/lab-namespaces.yaml");
            assertEquals(0, r.exit(), r.err());
            assertEquals("User 0, PID 1 (1 processes), hostname mycont, 1 network interfaces\n", r.out());
            Result procs = host.run("run", "-q", "../examples/lab-namespaces.yaml", "--", "ls", "/proc");
            assertEquals(List.of("1"), procs.out().lines().filter(l -> l.matches("\\d+")).toList(), "only the container's own process");
            // the count is the container's: one started in the background shows up
            Result two = host.run("run", "-q", "../examples/lab-namespaces.yaml", "--", "sh", "-c", "sleep 1 & set -- /proc/[0-9]*; echo $#");
            assertEquals("2\n", two.out(), two.err());
        }
    }

    @Test
    void progressLinesFollowTheLab() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "--name", "mycont", host.spec("p", BUSYBOX + "command: [true]\n").toString());
            assertEquals(0, r.exit(), r.err());
            List<String> lines = List.of(r.err().split("\n"));
            assertEquals("running container \"mycont\" from image \"busybox\"", lines.get(0));
            assertEquals("container command: \"true\"", lines.get(1));
            assertTrue(lines.get(2).matches("container started as process \\d+"), lines.get(2));
            assertEquals("container process exited normally with code 0", lines.get(3));
            assertEquals("container \"mycont\" terminated", lines.get(4));
        }
    }

    @Test
    void pidOneAndTheHostnameIsSet() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("ids", BUSYBOX + "hostname: box.example\ncommand: [sh, -c, 'echo $$; hostname']\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("1\nbox.example\n", r.out());
        }
    }

    @Test
    void explicitUserMappingAndUser() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("map", BUSYBOX + """
                    user: "1000:1000"
                    users: { uid: [{ container: 0, host: 0, size: 1 }, { container: 1000, host: 201000, size: 1 }] }
                    command: [sh, -c, 'id -u; id -g; cat /proc/self/uid_map']
                    """);
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            String[] lines = r.out().strip().split("\n");
            assertEquals("1000", lines[0]);
            assertEquals("1000", lines[1]);
            assertEquals(List.of("1000", "201000", "1"), List.of(lines[3].trim().split("\\s+")));
        }
    }

    @Test
    void writesLandInTheUpperLayerAndTheImageIsUnchanged() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("ovl", BUSYBOX + "command: [sh, -c, 'echo data > /written; rm /var/www/index.html; echo ready; read x || true']\n");
            Running run = host.start("run", "-q", "--name", "ovl", spec.toString());
            run.awaitLine("ready");
            Path upper = host.dataRoot.resolve("containers/ovl/upper");
            assertEquals("data\n", Files.readString(upper.resolve("written")));
            assertTrue(Files.exists(upper.resolve("var/www/index.html"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "a whiteout in the upper layer");
            assertFalse(Files.isRegularFile(upper.resolve("var/www/index.html")), "the whiteout is not a file");
            assertFalse(Files.exists(host.imageRootfs().resolve("written")), "the image is never written");
            assertTrue(Files.isRegularFile(host.imageRootfs().resolve("var/www/index.html")), "deleting inside keeps the image's file");
            assertEquals(0, run.finish().exit());
        }
    }

    @Test
    void layersStackInOrderAboveTheImage() throws Exception {
        try (TestHost host = new TestHost()) {
            Path low = Files.createDirectories(host.dir.resolve("low/var/www"));
            Path high = Files.createDirectories(host.dir.resolve("high/var/www"));
            Files.writeString(low.resolve("index.html"), "low\n");
            Files.writeString(low.resolve("only-low"), "only in low\n");
            Files.writeString(high.resolve("index.html"), "high\n");
            Path spec = host.spec("layers", BUSYBOX + "layers: [./low, ./high]\ncommand: [sh, -c, 'cat /var/www/index.html /var/www/only-low; echo changed > /var/www/only-low']\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("high\nonly in low\n", r.out(), "the higher layer shadows the lower one and the image");
            assertEquals("only in low\n", Files.readString(low.resolve("only-low")), "layers are never written");
        }
    }

    @Test
    void readOnlyRootfsRefusesWrites() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("ro", BUSYBOX + "readonlyRootfs: true\nmounts: [{ type: tmpfs, target: /scratch }]\n"
                    + "command: [sh, -c, 'touch /etc/x || echo refused; touch /scratch/y && echo tmpfs-ok']\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("refused\ntmpfs-ok\n", r.out());
            assertTrue(r.err().contains("Read-only file system"), r.err());
        }
    }

    @Test
    void bindMountsReadOnlyAndWritable() throws Exception {
        try (TestHost host = new TestHost()) {
            // the container's root is a host uid of its own range: a folder it writes must let it (or users: host)
            Path data = Files.createDirectories(host.dir.resolve("data"));
            Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            Path conf = Files.writeString(host.dir.resolve("app.conf"), "setting=1\n");
            Path spec = host.spec("bind", BUSYBOX + """
                    mounts:
                      - { source: ./data, target: /data }
                      - { source: ./app.conf, target: /etc/app.conf, readOnly: true }
                    command: [sh, -c, 'echo out > /data/result; cat /etc/app.conf; echo x >> /etc/app.conf || echo ro']
                    """);
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("setting=1\nro\n", r.out());
            assertEquals("out\n", Files.readString(data.resolve("result")));
            assertEquals(100000, Files.getAttribute(data.resolve("result"), "unix:uid"), "owned by the container's range on the host");
            assertEquals("setting=1\n", Files.readString(conf));
        }
    }

    @Test
    void exitCodesFollowDocker() throws Exception {
        try (TestHost host = new TestHost()) {
            assertEquals(0, host.run("run", "-q", "--image", "busybox", "--", "true").exit());
            assertEquals(42, host.run("run", "-q", "--image", "busybox", "--", "sh", "-c", "exit 42").exit());
            Result notFound = host.run("run", "-q", "--image", "busybox", "--name", "web", "--", "pyhton3");
            assertEquals(127, notFound.exit());
            assertEquals("contain: web: exec \"pyhton3\": No such file or directory\n", notFound.err());
            Result notExecutable = host.run("run", "-q", "--image", "busybox", "--name", "web", "--", "/etc/passwd");
            assertEquals(126, notExecutable.exit());
            assertTrue(notExecutable.err().contains("Permission denied"), notExecutable.err());
            Path killed = host.spec("killed", BUSYBOX + "init: true\ncommand: [sh, -c, 'kill -9 $$']\n");
            assertEquals(137, host.run("run", "-q", killed.toString()).exit(), "128 + SIGKILL");
        }
    }

    @Test
    void initReapsZombies() throws Exception {
        try (TestHost host = new TestHost()) {
            // PID 1 becomes sleep, which never waits; the orphaned sleeps of a background subshell are reparented
            // to PID 1: the init reaps them, sleep does not (the negative control), and the subshell counts zombies
            String command = "command: [sh, -c, '( (sleep 0 &); (sleep 0 &); sleep 0.5; "
                    + "echo zombies=$(ps -o stat | grep -c ^Z) pid1=$(cut -c1-12 /proc/1/comm) ) & exec sleep 1']\n";
            Result reaped = host.run("run", "-q", host.spec("reap", BUSYBOX + "init: true\n" + command).toString());
            assertEquals(0, reaped.exit(), reaped.err());
            assertEquals("zombies=0 pid1=contain-init\n", reaped.out());
            Result unreaped = host.run("run", "-q", host.spec("noreap", BUSYBOX + command).toString());
            assertEquals(0, unreaped.exit(), unreaped.err());
            assertEquals("zombies=2 pid1=sleep\n", unreaped.out(), "without the init, the orphans stay zombies");
        }
    }

    @Test
    void sighupToTheEngineReachesTheContainer() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("hup", BUSYBOX + "command: [sh, -c, 'trap \"echo got HUP; exit 41\" HUP; echo ready; while true; do sleep 0.05; done']\n");
            Running run = host.start("run", "-q", spec.toString());
            run.awaitLine("ready");
            run.signal("HUP");
            Result r = run.finish();
            assertEquals(41, r.exit(), r.err());
            assertEquals("ready\ngot HUP\n", r.out());
        }
    }

    @Test
    void aUserNamedInTheSpecIsLookedUpInTheImage() throws Exception {
        try (TestHost host = new TestHost()) {
            Path named = host.spec("named", BUSYBOX + "user: www-data\ncommand: [sh, -c, 'id -u; id -g; echo $HOME']\n");
            Result r = host.run("run", "-q", named.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("33\n33\n/var/www\n", r.out(), "uid, gid and home from the image's /etc/passwd");
            Path withGroup = host.spec("grouped", BUSYBOX + "user: \"nobody:tty\"\ncommand: [sh, -c, 'id -u; id -g']\n");
            Result g = host.run("run", "-q", withGroup.toString());
            assertEquals("65534\n5\n", g.out(), g.err());
            Path unknown = host.spec("unknown", BUSYBOX + "user: \"nobody:staff\"\ncommand: [true]\n");
            Result u = host.run("run", "-q", unknown.toString());
            assertEquals(125, u.exit());
            assertEquals("contain: unknown: user: no group 'staff' in the image's /etc/group\n", u.err());
        }
    }

    @Test
    void traceTimesEveryPhaseOfARun() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "--trace", "--image", "busybox", "--", "true");
            assertEquals(0, r.exit(), r.err());
            List<String> lines = r.err().lines().toList();
            assertEquals("trace: archive: none (the JVM was not started by contain's launcher)", lines.get(0),
                    "first, the start-up archive (the launcher's own is PackagingIT's)");
            List<String> phases = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.matches("trace: [a-z]+: .*")) {
                    continue; // how a stage did its work: "trace: userns: host ids 100000-165535 from the pool (...)"
                }
                var m = java.util.regex.Pattern.compile("trace: (.+?) +(\\d+\\.\\d\\d) ms").matcher(line);
                assertTrue(m.matches(), "every other line is a phase's time: " + line);
                phases.add(m.group(1));
            }
            assertEquals(List.of("jvm start", "cli", "spec load", "plan", "state", "image", "userns", "cgroup", "namespaces", "network",
                    "start", "command", "teardown"), phases);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("trace: userns: host ids ")), "the range taken: " + lines);
            assertEquals("", host.run("run", "-q", "--image", "busybox", "--", "true").err(), "no trace without --trace");
        }
    }

    @Test
    void sigtermToTheEngineReachesTheContainer() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("term", BUSYBOX + "command: [sh, -c, 'trap \"echo got TERM; exit 42\" TERM; echo ready; while true; do sleep 0.05; done']\n");
            Running run = host.start("run", "-q", spec.toString());
            run.awaitLine("ready");
            run.signal("TERM");
            Result r = run.finish();
            assertEquals(42, r.exit(), r.err());
            assertTrue(r.out().contains("got TERM"), r.out());
        }
    }

    @Test
    void ctrlCIsForwardedAndTheEngineTearsDown() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("int", BUSYBOX + "init: true\ncommand: [sh, -c, 'echo ready; sleep 30']\n");
            Running run = host.start("run", "-q", spec.toString());
            run.awaitLine("ready");
            run.signal("INT");
            Result r = run.finish();
            assertEquals(130, r.exit(), "128 + SIGINT: " + r.err());
        }
    }

    @Test
    void stdinPassesThrough() throws Exception {
        try (TestHost host = new TestHost()) {
            Running run = host.start("run", "-q", "--image", "busybox", "--", "sh", "-c", "read a; echo got $a");
            run.send("hello\n");
            Result r = run.finish();
            assertEquals("got hello\n", r.out());
        }
    }

    @Test
    void theCommandWritesToTheEnginesOwnOpenFile() throws Exception {
        // the init takes the engine's stdout (pidfd_getfd): the same open file, so the container's output
        // lands after what the shell wrote before it, and what comes after follows it, in one file
        try (TestHost host = new TestHost()) {
            Path out = Files.createTempFile("contain-stdout-", ".txt");
            try {
                List<String> cmd = new ArrayList<>(List.of("sh", "-c", "echo before; \"$@\"; echo after", "sh"));
                cmd.addAll(host.cli("run", "-q", "--image", "busybox", "--", "echo", "inside").command());
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                p.getOutputStream().close();
                assertEquals(0, p.waitFor());
                assertEquals("before\ninside\nafter\n", Files.readString(out));
            } finally {
                Files.delete(out);
            }
        }
    }

    @Test
    void twoContainersAtOnceAndASecondWithTheSameNameFailsFast() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("pair", BUSYBOX + "command: [sh, -c, 'echo ready; read x; echo bye']\n");
            Running a = host.start("run", "-q", "--name", "a", spec.toString());
            Running b = host.start("run", "-q", "--name", "b", spec.toString());
            a.awaitLine("ready");
            b.awaitLine("ready");
            Result again = host.run("run", "-q", "--name", "a", spec.toString());
            assertEquals(125, again.exit());
            assertTrue(again.err().startsWith("contain: a: state: the name \"a\" is in use by a running container"), again.err());
            a.send("\n");
            b.send("\n");
            assertEquals("ready\nbye\n", a.finish().out(), "the first container is untouched by the refused second");
            assertEquals(0, b.finish().exit());
        }
    }

    @Test
    void killingTheEngineThenGcLeavesNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("victim", BUSYBOX + "command: [sh, -c, 'echo ready; sleep 300']\n");
            Running run = host.start("run", "-q", spec.toString());
            run.awaitLine("ready");
            long container = Long.parseLong(Files.readString(host.runRoot.resolve("victim/pid")).split(" ")[0]);
            assertTrue(ProcessHandle.of(container).isPresent());
            run.process.destroyForcibly(); // kill -9: no teardown runs
            run.process.waitFor();
            awaitGone(container); // the init saw its pipe close and killed the container, before any gc
            assertTrue(Files.exists(host.runRoot.resolve("victim")), "the dead engine's state is still there");
            Result blocked = host.run("run", "-q", spec.toString());
            assertEquals(125, blocked.exit());
            assertTrue(blocked.err().contains("run 'contain gc'"), blocked.err());
            Result gc = host.run("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertEquals("removed the remains of container \"victim\"\n", gc.out());
            assertEquals(0, host.run("run", "-q", spec.toString(), "--", "true").exit(), "the name is free again");
        }
    }

    /** Waits up to 5 s for a process to end. */
    static void awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 200 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(25);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " still runs");
    }

    @Test
    void missingImageFailsClearlyAndLeavesNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "--image", "busybx", "--name", "web", "--", "true");
            assertEquals(125, r.exit());
            assertTrue(r.err().startsWith("contain: web: image: no image named 'busybx'"), r.err());
            assertTrue(r.err().contains("did you mean 'busybox'?"), r.err());
        }
    }

    @Test
    void badSpecListsEveryProblemAndStartsNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("bad", "image: busybox\ncommand: [true]\nresources: { memroy: 1G, cpu: fast }\n");
            Result r = host.run("run", spec.toString());
            assertEquals(125, r.exit());
            assertEquals(spec + ":3:14: unknown key 'memroy' in resources (did you mean 'memory'?)\n"
                    + spec + ":3:31: cpu must be a percentage above 0, like 50%\n"
                    + "contain: spec: 2 problem(s); nothing was started\n", r.err());
        }
    }

    @Test
    void dryRunPrintsThePlanAndDoesNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "--dry-run", "../examples/lab-overlayfs.yaml");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("namespaces: clone3 flags 0x7c020000 (cgroup ipc mnt net pid user uts)"), r.out());
            assertTrue(r.out().contains("init: unshare flags 0x2000000 (cgroup namespace rooted at the container's cgroup)"), r.out());
            // the pool is the machine's (/etc/subuid's containers entry, else built-in from 100000): never host root
            assertTrue(r.out().matches("(?s).*\nuserns: take a range of 65536 host ids from the pool \\([^)]+\\): host ids ([1-9]\\d*)-\\d+ now; "
                    + "released at teardown\n.*namespaces: write /proc/PID/uid_map: 0 [1-9]\\d* 65536 \\(the range above\\)\n.*"), r.out());
            assertTrue(r.out().contains("init: container paths below resolve inside " + host.dataRoot + "/containers/mycont/rootfs,"), r.out());
            assertTrue(r.out().contains("init: mount overlay on / type overlay"), r.out());
            assertTrue(r.out().contains("init: pivot_root"), r.out());
            assertTrue(r.out().contains("init: exec sh -c"), r.out());
            assertFalse(Files.exists(host.runRoot), "a dry run creates nothing");
        }
    }
}
