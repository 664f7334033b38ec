package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.contain.runtime.oci.OciSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * contain-oci on the real kernel, as podman and containerd drive it: create leaves the process waiting in its
 * namespaces and cgroup with its pid in the pid file and no contain process behind; start, state, kill, delete
 * with the exact states; errors as runc reports them (stderr and the JSON log); and podman itself as the caller.
 */
class OciRuntimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** contain-oci with the test host's roots: the OCI root is its run root, so the leak checks see the state folders. */
    static List<String> oci(TestHost host, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.contain.runtime.cli.Main", "oci", "--root", host.runRoot.toString(), "--data-root", host.dataRoot.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static TestHost.Result run(TestHost host, String... args) throws IOException, InterruptedException {
        return host.run(new ProcessBuilder(oci(host, args)));
    }

    /** create, its stdio files (the container keeps them: a pipe would stay open as long as it runs). */
    static int create(TestHost host, Path out, Path err, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("create"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(oci(host, cmd.toArray(String[]::new))).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "create did not finish");
        return p.exitValue();
    }

    /** A bundle whose root is the test's busybox and whose command is {@code script}. */
    static Path bundle(TestHost host, String name, String script) throws IOException {
        Path bundle = Files.createDirectories(host.dir.resolve(name));
        ObjectNode c = (ObjectNode) JSON.readTree(OciSpec.defaultConfig(false));
        c.with("root").put("path", host.imageRootfs().toString()).put("readonly", false);
        ArrayNode args = c.with("process").putArray("args");
        args.add("sh").add("-c").add(script);
        Files.writeString(bundle.resolve("config.json"), c.toPrettyString());
        return bundle;
    }

    static JsonNode state(TestHost host, String id) throws Exception {
        TestHost.Result r = run(host, "state", id);
        assertEquals(0, r.exit(), r.err());
        return JSON.readTree(r.out());
    }

    static void awaitText(Path file, String text) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no \"" + text + "\" in " + file + ": " + Files.readString(file));
    }

    static void awaitStatus(TestHost host, String id, String status) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (state(host, id).get("status").asText().equals(status)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(id + " never became " + status + ": " + state(host, id));
    }

    static String parentCommand(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String ppid = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
        return Files.readString(Path.of("/proc", ppid, "cmdline")).replace('\0', ' ');
    }

    @Test
    void createStartKillDeleteWithExactStates() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b1", "echo started as $$ on $(hostname); trap 'echo got TERM; exit 7' TERM; "
                    + "while :; do sleep 0.1; done");
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            Path pidFile = host.dir.resolve("pid");
            assertEquals(0, create(host, out, err, "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c1"), Files.readString(err));
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            JsonNode s = state(host, "c1");
            assertEquals("created", s.get("status").asText());
            assertEquals(pid, s.get("pid").asLong());
            assertEquals("c1", s.get("id").asText());
            assertEquals(bundle.toString(), s.get("bundle").asText());
            assertTrue(s.get("ociVersion").asText().startsWith("1."));
            assertTrue(s.has("annotations"));
            assertEquals("", Files.readString(out), "the command has not run yet");
            // waiting in its namespaces and its cgroup, left to the caller: no contain process is its parent
            assertFalse(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid"))));
            assertTrue(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")).contains("/contain/c1"));
            assertFalse(parentCommand(pid).contains("contain"), parentCommand(pid));
            assertEquals(0, run(host, "start", "c1").exit());
            awaitText(out, "started as 1 on contain");
            assertEquals("running", state(host, "c1").get("status").asText());
            TestHost.Result again = run(host, "start", "c1");
            assertEquals(1, again.exit());
            assertEquals("contain-oci: c1: start: cannot start a container that is running\n", again.err());
            assertEquals(0, run(host, "kill", "c1", "TERM").exit());
            awaitText(out, "got TERM");
            awaitStatus(host, "c1", "stopped");
            assertEquals(0, state(host, "c1").get("pid").asLong());
            TestHost.Result kill = run(host, "kill", "c1", "KILL");
            assertEquals(1, kill.exit());
            assertEquals("contain-oci: c1: kill: container not running (stopped)\n", kill.err());
            TestHost.Result list = run(host, "list", "--format", "json");
            assertEquals("stopped", JSON.readTree(list.out()).get(0).get("status").asText());
            assertEquals(0, run(host, "delete", "c1").exit());
            TestHost.Result gone = run(host, "state", "c1");
            assertEquals(1, gone.exit());
            assertEquals("contain-oci: c1: container does not exist\n", gone.err());
        }
    }

    @Test
    void deleteTakesACreatedContainerAndARunningOneOnlyWithForce() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b2", "sleep 60");
            Path out = host.dir.resolve("out");
            assertEquals(0, create(host, out, out, "--bundle", bundle.toString(), "c2"));
            assertEquals(0, run(host, "delete", "c2").exit()); // never started: its process is killed
            assertEquals(0, create(host, out, out, "--bundle", bundle.toString(), "c3"));
            assertEquals(0, run(host, "start", "c3").exit());
            TestHost.Result refused = run(host, "delete", "c3");
            assertEquals(1, refused.exit());
            assertEquals("contain-oci: c3: delete: cannot delete a running container (use --force)\n", refused.err());
            assertEquals("running", state(host, "c3").get("status").asText());
            assertEquals(0, run(host, "delete", "--force", "c3").exit());
            assertEquals("", run(host, "list", "-q").out());
        }
    }

    @Test
    void aCommandNotFoundFailsAfterStartOnTheContainersStderr() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b3", "unused");
            ObjectNode c = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            c.with("process").putArray("args").add("nosuch");
            Files.writeString(bundle.resolve("config.json"), c.toString());
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            assertEquals(0, create(host, out, err, "--bundle", bundle.toString(), "c4"));
            assertEquals(0, run(host, "start", "c4").exit());
            awaitText(err, "exec \"nosuch\": No such file or directory");
            awaitStatus(host, "c4", "stopped");
            assertEquals(0, run(host, "delete", "c4").exit());
        }
    }

    @Test
    void errorsGoToStderrAndToTheLogAsRuncWritesThem() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "b5", "true");
            ObjectNode c = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            c.with("linux").putObject("intelRdt").put("closID", "x");
            Files.writeString(bundle.resolve("config.json"), c.toString());
            Path log = host.dir.resolve("log.json");
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            List<String> args = new ArrayList<>(oci(host, "create", "--bundle", bundle.toString(), "c5"));
            args.addAll(args.indexOf("create"), List.of("--log", log.toString(), "--log-format", "json"));
            Process p = new ProcessBuilder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue());
            assertEquals("contain-oci: c5: config.json: linux.intelRdt: not supported\n", Files.readString(err));
            JsonNode line = JSON.readTree(Files.readString(log));
            assertEquals("error", line.get("level").asText());
            assertEquals("c5: config.json: linux.intelRdt: not supported", line.get("msg").asText());
            assertTrue(line.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), line.toString());
            assertEquals(1, run(host, "state", "c5").exit()); // nothing was made
            TestHost.Result usage = run(host, "kill", "c5", "NOSUCH");
            assertEquals(2, usage.exit());
            assertTrue(usage.err().startsWith("contain-oci: kill: unknown signal \"NOSUCH\""), usage.err());
            TestHost.Result systemd = host.run(new ProcessBuilder(oci(host, "--systemd-cgroup", "state", "x")));
            assertEquals(1, systemd.exit());
            assertTrue(systemd.err().contains("--systemd-cgroup: systemd cgroups are not supported"), systemd.err());
            TestHost.Result socket = run(host, "create", "--bundle", bundle.toString(), "--console-socket", "/tmp/x.sock", "c6");
            assertEquals(1, socket.exit());
            assertTrue(socket.err().contains("--console-socket without a terminal"), socket.err());
            TestHost.Result exec = run(host, "exec", "c6", "true");
            assertEquals(255, exec.exit()); // runc's code for a failed exec
            assertEquals("contain-oci: c6: container does not exist\n", exec.err());
        }
    }

    /** A network namespace given by path is joined (podman's networks and pods depend on it), others are made. */
    @Test
    void aNetworkNamespaceIsJoinedByPath() throws Exception {
        try (TestHost host = new TestHost(true)) {
            Path bundle = bundle(host, "b7", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts");
            ObjectNode c = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            for (JsonNode ns : c.with("linux").get("namespaces")) {
                if (ns.get("type").asText().equals("network")) {
                    ((ObjectNode) ns).put("path", "/run/netns/" + host.netns);
                }
            }
            Files.writeString(bundle.resolve("config.json"), c.toString());
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "c7");
            assertEquals(0, r.exit(), r.err());
            long inode = ((Number) Files.getAttribute(Path.of("/run/netns", host.netns), "unix:ino")).longValue();
            assertTrue(r.out().startsWith("net:[" + inode + "]\n"), r.out() + " is not " + inode);
            assertFalse(r.out().contains(Files.readSymbolicLink(Path.of("/proc/self/ns/uts")).toString()), r.out());
        }
    }

    /** A holder process in namespaces of its own (unshare(1)); it and its children die with the test. */
    private static Process holder(String... unshareArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--fork", "--kill-child"));
        cmd.addAll(List.of(unshareArgs));
        cmd.addAll(List.of("sh", "-c", "hostname joined-uts && echo ready && exec sleep 1000"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String ready = new String(p.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
        assertEquals("ready\n", ready, "the holder did not start");
        return p;
    }

    /** Sets linux.namespaces[type].path (adding the entry if missing) in a bundle's config.json; the config's hostname goes. */
    private static void joinByPath(Path bundle, java.util.Map<String, String> paths) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        c.remove("hostname");
        ArrayNode namespaces = (ArrayNode) c.with("linux").get("namespaces");
        paths.forEach((type, path) -> {
            ObjectNode entry = null;
            for (JsonNode ns : namespaces) {
                if (ns.get("type").asText().equals(type)) {
                    entry = (ObjectNode) ns;
                }
            }
            (entry == null ? namespaces.addObject().put("type", type) : entry).put("path", path);
        });
        Files.writeString(bundle.resolve("config.json"), c.toString());
    }

    private static String nsLink(long pid, String type) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", type)).toString();
    }

    /** uts, ipc and pid namespaces given by path are joined (the pid one before clone, since only children enter it). */
    @Test
    void namespacesOfEveryKindAreJoinedByPath() throws Exception {
        Process holder = holder("--uts", "--ipc", "--pid", "--mount-proc");
        try (TestHost host = new TestHost()) {
            long pid = holder.pid();
            Path bundle = bundle(host, "bj", "hostname; readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid");
            joinByPath(bundle, java.util.Map.of("uts", "/proc/" + pid + "/ns/uts", "ipc", "/proc/" + pid + "/ns/ipc",
                    "pid", "/proc/" + pid + "/ns/pid_for_children"));
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "cj");
            assertEquals(0, r.exit(), r.err());
            assertEquals("joined-uts\n" + nsLink(pid, "ipc") + "\n" + nsLink(pid, "pid_for_children") + "\n", r.out());
            assertFalse(r.out().contains(nsLink(ProcessHandle.current().pid(), "ipc")));
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    /** A path that is no namespace, or one of another type, is refused before anything runs, as the type is checked. */
    @Test
    void aNamespacePathOfTheWrongTypeIsRefused() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "bw", "true");
            joinByPath(bundle, java.util.Map.of("uts", "/proc/self/ns/ipc"));
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "cw");
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("cw: setup: join the uts namespace /proc/self/ns/ipc: it is a namespace of type ipc"), r.err());
            joinByPath(bundle, java.util.Map.of("uts", bundle.resolve("config.json").toString()));
            r = run(host, "run", "--bundle", bundle.toString(), "cw");
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("config.json: not a namespace"), r.err());
            joinByPath(bundle, java.util.Map.of("uts", "/proc/self/ns/uts", "mount", "/proc/self/ns/mnt")); // the engine's own
            r = run(host, "run", "--bundle", bundle.toString(), "cw");
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("is the host's mount namespace"), r.err());
            assertEquals("[]", run(host, "list", "--format", "json").out().trim());
        }
    }

    /** A user namespace joined by path keeps its owner's id maps (none written); the new namespaces are made inside it. */
    @Test
    void aUserNamespaceIsJoinedByPathWithTheNamespacesItOwns() throws Exception {
        Process holder = holder("--user", "--map-root-user", "--uts", "--pid", "--mount-proc");
        try (TestHost host = new TestHost()) {
            long pid = holder.pid();
            Path bundle = bundle(host, "bu", "hostname; readlink /proc/self/ns/user; cat /proc/self/uid_map");
            joinByPath(bundle, java.util.Map.of("user", "/proc/" + pid + "/ns/user", "uts", "/proc/" + pid + "/ns/uts",
                    "pid", "/proc/" + pid + "/ns/pid_for_children"));
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "cu");
            assertEquals(0, r.exit(), r.err());
            String map = Files.readString(Path.of("/proc", Long.toString(pid), "uid_map"));
            assertEquals("joined-uts\n" + nsLink(pid, "user") + "\n" + map, r.out());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    /** linux.devices: nodes made with their type, numbers, mode and owner, and open-able (the device cgroup allows them). */
    @Test
    void devicesAreMadeAndAllowed() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "bd", "stat -c '%F %t:%T %a %u:%g' /dev/mytun /dev/myfifo; exec 3<>/dev/mytun && echo opened; exec 4</dev/net/tun");
            ObjectNode c = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            ArrayNode d = c.with("linux").putArray("devices");
            d.addObject().put("path", "/dev/mytun").put("type", "c").put("major", 10).put("minor", 200).put("fileMode", 0606).put("uid", 1).put("gid", 2);
            d.addObject().put("path", "/dev/myfifo").put("type", "p");
            Files.writeString(bundle.resolve("config.json"), c.toString());
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "cd");
            assertEquals("character special file a:c8 606 1:2\nfifo 0:0 666 0:0\nopened\n", r.out(), r.err()); // no CAP_DAC_OVERRIDE: "other" opens it
            assertTrue(r.err().contains("/dev/net/tun"), r.err()); // not listed: not there
        }
    }

    /** --preserve-fds and socket activation's LISTEN_FDS: the caller's descriptors from 3 on reach the command, nothing more. */
    @Test
    void preservedDescriptorsAndListenFdsReachTheCommand() throws Exception {
        try (TestHost host = new TestHost()) {
            Path in = host.dir.resolve("in");
            Files.writeString(in, "through fd 3\n");
            Path out = host.dir.resolve("out");
            Path bundle = bundle(host, "bf", "cat <&3 >&4; echo $LISTEN_FDS $LISTEN_PID >&4; ls /proc/self/fd >&4");
            StringBuilder cmd = new StringBuilder("exec 3<" + in + " 4>" + out + "; LISTEN_FDS=1 LISTEN_PID=$$ exec");
            for (String a : oci(host, "run", "--preserve-fds", "1", "--bundle", bundle.toString(), "cf")) {
                cmd.append(" '").append(a).append('\'');
            }
            TestHost.Result r = host.run(new ProcessBuilder("sh", "-c", cmd.toString()));
            assertEquals(0, r.exit(), r.err());
            assertEquals("through fd 3\n1 1\n0\n1\n2\n3\n4\n5\n", Files.readString(out)); // 5: ls's own, of /proc/self/fd
            r = run(host, "run", "--preserve-fds", "x", "--bundle", bundle.toString(), "cf");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("cf: create: --preserve-fds x: not a number of descriptors (0 to 1024)"), r.err());
        }
    }

    /** While `run` waits, another shell's `state` says running, with the pid the pid file holds. */
    @Test
    void aRunningRunIsRunningForState() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bundle = bundle(host, "br", "sleep 30");
            Path pidFile = host.dir.resolve("pid");
            Process p = new ProcessBuilder(oci(host, "run", "--pid-file", pidFile.toString(), "--bundle", bundle.toString(), "cr"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                for (int i = 0; i < 200 && run(host, "state", "cr").exit() != 0; i++) {
                    Thread.sleep(50); // not there before run made its state folder
                }
                awaitStatus(host, "cr", "running");
                JsonNode s = state(host, "cr");
                assertEquals(bundle.toString(), s.get("bundle").asText());
                assertEquals(Files.readString(pidFile).trim(), s.get("pid").asText());
                assertEquals(0, run(host, "kill", "cr", "KILL").exit());
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue());
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /** podman, with its own store in the test's folder (vfs, cgroupfs, no network), runs contain-oci as its runtime. */
    @Test
    void podmanRunsItsContainersWithContainOci() throws Exception {
        ImageTest.assumeTools("podman", "conmon");
        try (TestHost host = new TestHost()) {
            Path runroot = Files.createTempDirectory(Path.of("/tmp"), "oci-"); // podman takes at most 50 characters
            List<String> podman = podman(host, runroot);
            List<String> runArgs = List.of("run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                    "localhost/oci-busybox:1");
            try {
                TestHost.Result imported = exec(podman, List.of("import", TestHost.busybox().toString(), "localhost/oci-busybox:1"));
                assertEquals(0, imported.exit(), imported.err());
                List<String> echo = new ArrayList<>(runArgs);
                echo.addAll(List.of("echo", "hi"));
                TestHost.Result hi = exec(podman, echo);
                assertEquals(0, hi.exit(), hi.err());
                assertEquals("hi\n", hi.out());
                List<String> exit3 = new ArrayList<>(runArgs);
                exit3.addAll(List.of("sh", "-c", "exit 3"));
                assertEquals(3, exec(podman, exit3).exit());
                // detached: conmon holds it; stop sends SIGTERM through `kill`, then `delete`
                List<String> detached = new ArrayList<>(List.of("run", "-d", "--name", "oci-d", "--network", "none", "--ulimit",
                        "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "localhost/oci-busybox:1", "sh", "-c",
                        "trap 'echo stopping; exit 0' TERM; echo up; while :; do sleep 0.1; done"));
                TestHost.Result d = exec(podman, detached);
                assertEquals(0, d.exit(), d.err());
                String logs = "";
                for (int i = 0; i < 100 && !logs.contains("up"); i++) {
                    Thread.sleep(50);
                    logs = exec(podman, List.of("logs", "oci-d")).out();
                }
                assertEquals("up\n", logs);
                assertTrue(exec(podman, List.of("ps", "--format", "{{.Names}} {{.Status}}")).out().startsWith("oci-d Up"));
                assertEquals(0, exec(podman, List.of("stop", "-t", "10", "oci-d")).exit());
                assertEquals("up\nstopping\n", exec(podman, List.of("logs", "oci-d")).out());
                assertTrue(exec(podman, List.of("ps", "-a", "--format", "{{.Status}}")).out().startsWith("Exited (0)"));
                assertEquals(0, exec(podman, List.of("rm", "oci-d")).exit());
                assertEquals("", exec(podman, List.of("ps", "-aq")).out());
            } finally {
                cleanUpPodman(podman, runroot);
            }
        }
    }

    /**
     * A pod: its infra container (podman's pause image, made from catatonit) holds the network, ipc and uts namespaces;
     * its containers join them by path. The rlimits podman asks by default exceed this machine's: containers.conf lowers them.
     */
    @Test
    void podmanPodContainersShareTheirNamespacesThroughContainOci() throws Exception {
        ImageTest.assumeTools("podman", "conmon", "catatonit");
        try (TestHost host = new TestHost()) {
            Path conf = host.dir.resolve("containers.conf");
            Files.writeString(conf, "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n");
            Path runroot = Files.createTempDirectory(Path.of("/tmp"), "oci-");
            List<String> podman = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + conf));
            podman.addAll(podman(host, runroot));
            try {
                assertEquals(0, exec(podman, List.of("import", TestHost.busybox().toString(), "localhost/oci-busybox:1")).exit());
                TestHost.Result pod = exec(podman, List.of("pod", "create", "--name", "p1"));
                assertEquals(0, pod.exit(), pod.err());
                TestHost.Result a = exec(podman, List.of("run", "-d", "--pod", "p1", "--name", "a1", "localhost/oci-busybox:1", "sleep", "60"));
                assertEquals(0, a.exit(), a.err());
                TestHost.Result b = exec(podman, List.of("run", "--rm", "--pod", "p1", "localhost/oci-busybox:1", "sh", "-c",
                        "hostname; for t in net ipc uts pid; do readlink /proc/self/ns/$t; done"));
                assertEquals(0, b.exit(), b.err());
                long pid = Long.parseLong(exec(podman, List.of("inspect", "-f", "{{.State.Pid}}", "a1")).out().trim());
                String[] seen = b.out().split("\n");
                assertEquals("p1", seen[0]); // the pod's uts namespace, named by the infra container
                for (int i = 0; i < 3; i++) {
                    assertEquals(nsLink(pid, List.of("net", "ipc", "uts").get(i)), seen[i + 1]);
                }
                assertTrue(!seen[4].equals(nsLink(pid, "pid")), "each container has a pid namespace of its own");
                assertEquals(0, exec(podman, List.of("pod", "rm", "-f", "-t", "0", "p1")).exit());
                assertEquals("", exec(podman, List.of("ps", "-aq")).out());
            } finally {
                exec(podman, List.of("pod", "rm", "-af", "-t", "0"));
                cleanUpPodman(podman, runroot);
            }
        }
    }

    /** podman with its own store in the test's folder (vfs, cgroupfs) and contain-oci (a script running this build) as its runtime. */
    static List<String> podman(TestHost host, Path runroot) throws IOException {
        Path runtime = host.dir.resolve("contain-oci");
        StringBuilder script = new StringBuilder("#!/bin/sh\nexec");
        for (String a : oci(host)) {
            script.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        Files.writeString(runtime, script.append(" \"$@\"\n").toString());
        runtime.toFile().setExecutable(true);
        Path store = host.dir.resolve("podman");
        return List.of("podman", "--root", store.resolve("root").toString(), "--runroot", runroot.toString(),
                "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", runtime.toString());
    }

    static TestHost.Result exec(List<String> podman, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(podman);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        return TestHost.Result.of(p, 120);
    }

    /** What a podman test leaves whatever happened: its containers, images, cgroups and its store in {@code runroot}. */
    static void cleanUpPodman(List<String> podman, Path runroot) throws IOException, InterruptedException {
        exec(podman, List.of("rm", "-af"));
        exec(podman, List.of("rmi", "-af"));
        removePodmanCgroups();
        try (var walk = Files.walk(runroot)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** podman's conmon cgroup and its parent (libpod_parent), which podman leaves; ours inside must be gone already. */
    static void removePodmanCgroups() throws IOException {
        List<Path> hierarchies;
        try (var all = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies = all.toList();
        }
        for (Path h : hierarchies) {
            Path parent = h.resolve("libpod_parent");
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (var children = Files.list(parent)) {
                for (Path child : children.filter(Files::isDirectory).toList()) {
                    assertEquals("conmon", child.getFileName().toString(), "a container's cgroup left in " + parent);
                    Files.deleteIfExists(child);
                }
            }
            try {
                Files.deleteIfExists(parent);
            } catch (IOException e) {
                // another podman's containers are in it
            }
        }
    }
}
