package dev.contain.runtime;

import static dev.contain.runtime.OciRuntimeTest.awaitStatus;
import static dev.contain.runtime.OciRuntimeTest.bundle;
import static dev.contain.runtime.OciRuntimeTest.create;
import static dev.contain.runtime.OciRuntimeTest.run;
import static dev.contain.runtime.OciRuntimeTest.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * contain-oci's hooks on the real kernel: each kind runs once, in runtime-spec's order, where it belongs (the
 * runtime's namespaces or the container's), with the state it should read on its stdin; a failing create-time
 * hook fails create and leaves nothing; a failing poststart or poststop hook is a warning; a timeout kills.
 */
class OciHooksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KINDS = List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");

    /** A hook that appends "KIND NETNS-OF-ITS-SHELL STATE" (the state on one line) to {@code log}, by {@code sh}. */
    private static ObjectNode hook(String sh, String kind, Path log) {
        ObjectNode h = JSON.createObjectNode().put("path", sh);
        h.putArray("args").add("sh").add("-c").add("printf '%s %s ' " + kind + " $(readlink /proc/self/ns/mnt) >> " + log
                + "; tr -d '\\n ' >> " + log + "; echo >> " + log);
        h.putArray("env").add("PATH=/bin:/usr/bin");
        h.put("timeout", 10);
        return h;
    }

    /** A bundle with a host folder bound at /hooks, and these hooks. */
    private static Path hooked(TestHost host, String name, String script, ObjectNode hooks) throws Exception {
        Path bundle = bundle(host, name, script);
        Path config = bundle.resolve("config.json");
        ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
        Path shared = Files.createDirectories(host.dir.resolve(name + "-hooks"));
        ((ArrayNode) c.get("mounts")).addObject().put("destination", "/hooks").put("type", "bind").put("source", shared.toString())
                .putArray("options").add("rbind").add("rw");
        c.set("hooks", hooks);
        c.with("annotations").put("test.hooks", name);
        Files.writeString(config, c.toPrettyString());
        return bundle;
    }

    @Test
    void everyKindRunsOnceInOrderWhereItBelongsWithItsState() throws Exception {
        try (TestHost host = new TestHost()) {
            Path log = host.dir.resolve("b1-hooks/order"); // the same file: /hooks/order inside the container
            ObjectNode hooks = JSON.createObjectNode();
            for (String kind : KINDS) {
                boolean inside = kind.equals("startContainer"); // after pivot_root: the container's sh and its path
                hooks.putArray(kind).add(hook("/bin/sh", kind, inside ? Path.of("/hooks/order") : log));
            }
            Path bundle = hooked(host, "b1", "echo command >> /hooks/order", hooks);
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            assertEquals(0, create(host, out, err, "--bundle", bundle.toString(), "h1"), Files.readString(err));
            long pid = state(host, "h1").get("pid").asLong();
            assertEquals(List.of("prestart", "createRuntime", "createContainer"), kinds(log), "create runs the create-time hooks only");
            TestHost.Result start = run(host, "start", "h1");
            assertEquals(0, start.exit(), start.err());
            assertEquals(List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart"), kinds(log).subList(0, 5),
                    "start returns once startContainer and poststart ran");
            awaitStatus(host, "h1", "stopped");
            TestHost.Result delete = run(host, "delete", "h1");
            assertEquals(0, delete.exit(), delete.err());
            assertEquals("", delete.err());
            List<String> lines = Files.readAllLines(log);
            assertEquals(KINDS, kinds(log));
            // the command runs beside poststart (start returns once it is exec'd), after startContainer
            assertTrue(order(lines).indexOf("command") > order(lines).indexOf("startContainer"), lines.toString());
            String hostMnt = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
            String containerMnt = null;
            for (String line : lines) {
                String[] f = line.split(" ", 3);
                if (f[0].equals("command")) {
                    continue;
                }
                JsonNode s = JSON.readTree(f[2]);
                assertEquals("h1", s.get("id").asText(), line);
                assertEquals(bundle.toString(), s.get("bundle").asText(), line);
                assertEquals("b1", s.get("annotations").get("test.hooks").asText(), line);
                String status = switch (f[0]) {
                    case "prestart", "startContainer" -> "created";
                    case "createRuntime", "createContainer" -> "creating";
                    case "poststart" -> "running";
                    default -> "stopped";
                };
                assertEquals(status, s.get("status").asText(), line);
                boolean inContainer = f[0].equals("createContainer") || f[0].equals("startContainer");
                // the container's own processes see themselves as pid 1; the runtime's hooks get its host pid
                long expected = inContainer ? 1 : f[0].equals("poststop") ? 0 : pid;
                assertEquals(expected, s.get("pid").asLong(), line);
                if (inContainer) {
                    assertFalse(f[1].equals(hostMnt), "in the container's mount namespace: " + line);
                    if (containerMnt != null) {
                        assertEquals(containerMnt, f[1], line);
                    }
                    containerMnt = f[1];
                } else {
                    assertEquals(hostMnt, f[1], "in the runtime's mount namespace: " + line);
                }
            }
            host.assertNothingLeft();
        }
    }

    private static List<String> order(List<String> lines) {
        return lines.stream().map(l -> l.split(" ")[0]).toList();
    }

    private static List<String> kinds(Path log) throws Exception {
        return Files.exists(log) ? order(Files.readAllLines(log)).stream().filter(k -> !k.equals("command")).toList() : List.of();
    }

    @Test
    void aFailingCreateTimeHookFailsCreateNamingItAndLeavesNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            for (String kind : List.of("createRuntime", "createContainer")) {
                ObjectNode hooks = JSON.createObjectNode();
                ObjectNode bad = hooks.putArray(kind).addObject().put("path", "/bin/sh");
                bad.putArray("args").add("sh").add("-c").add("echo no network for you >&2; exit 3");
                Path log = host.dir.resolve("f-" + kind + "-hooks/order");
                hooks.putArray("poststop").add(hook("/bin/sh", "poststop", log));
                Path bundle = hooked(host, "f-" + kind, "echo should not run", hooks);
                Path out = host.dir.resolve("out-" + kind);
                Path err = host.dir.resolve("err-" + kind);
                assertEquals(1, create(host, out, err, "--bundle", bundle.toString(), "f1"));
                String e = Files.readString(err); // the hook's own stderr, then the error
                assertTrue(e.lines().reduce((a, b) -> b).orElse("").startsWith("contain-oci: f1: "), e);
                assertTrue(e.contains(kind + "[0]") && e.contains("/bin/sh") && e.contains("exited with code 3"), e);
                if (kind.equals("createRuntime")) {
                    assertTrue(e.contains("no network for you"), "its output in the error: " + e);
                }
                assertEquals(1, run(host, "state", "f1").exit(), "the container was removed");
                assertEquals("", Files.readString(out));
                assertEquals(List.of("poststop"), kinds(log), "the lifecycle goes on at delete: poststop runs");
            }
            host.assertNothingLeft();
        }
    }

    /** startContainer runs in the container after `start` opened the exec fifo: its failure fails start, not create. */
    @Test
    void aFailingStartContainerHookFailsStartAndTheCommandNeverRuns() throws Exception {
        try (TestHost host = new TestHost()) {
            ObjectNode hooks = JSON.createObjectNode();
            ObjectNode bad = hooks.putArray("startContainer").addObject().put("path", "/bin/sh");
            bad.putArray("args").add("sh").add("-c").add("exit 4");
            Path bundle = hooked(host, "s", "echo command ran", hooks);
            Path out = host.dir.resolve("out");
            Path err = host.dir.resolve("err");
            assertEquals(0, create(host, out, err, "--bundle", bundle.toString(), "s1"), Files.readString(err));
            TestHost.Result start = run(host, "start", "s1");
            assertEquals(1, start.exit());
            assertEquals("contain-oci: s1: start: the container's process ended before its command started "
                    + "(a startContainer hook failed: see the container's stderr)\n", start.err());
            assertTrue(Files.readString(err).contains("hook startContainer[0] (/bin/sh): exited with code 4"), Files.readString(err));
            assertEquals("", Files.readString(out));
            assertEquals("stopped", state(host, "s1").get("status").asText());
            assertEquals(0, run(host, "delete", "s1").exit());
            host.assertNothingLeft();
        }
    }

    @Test
    void aHookPastItsTimeoutIsKilledAndFailsCreate() throws Exception {
        try (TestHost host = new TestHost()) {
            for (String kind : List.of("createRuntime", "createContainer")) {
                ObjectNode hooks = JSON.createObjectNode();
                ObjectNode slow = hooks.putArray(kind).addObject().put("path", "/bin/sleep").put("timeout", 1);
                slow.putArray("args").add("sleep").add("30");
                Path bundle = hooked(host, "t-" + kind, "true", hooks);
                long t0 = System.nanoTime();
                Path err = host.dir.resolve("err-" + kind);
                assertEquals(1, create(host, host.dir.resolve("out-" + kind), err, "--bundle", bundle.toString(), "t1"));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 15_000, "killed at its timeout, not after 30 s: " + ms + " ms");
                assertTrue(Files.readString(err).contains(kind + "[0]") && Files.readString(err).contains("timeout of 1 s"), Files.readString(err));
            }
            host.assertNothingLeft();
        }
    }

    @Test
    void failingPoststartAndPoststopHooksAreWarningsAndTheRestRun() throws Exception {
        try (TestHost host = new TestHost()) {
            Path log = host.dir.resolve("w-hooks/order");
            ObjectNode hooks = JSON.createObjectNode();
            for (String kind : List.of("poststart", "poststop")) {
                ArrayNode list = hooks.putArray(kind);
                ObjectNode bad = list.addObject().put("path", "/bin/false");
                bad.putArray("args").add("false");
                list.add(hook("/bin/sh", kind, log));
            }
            Path bundle = hooked(host, "w", "true", hooks);
            Path err = host.dir.resolve("err");
            assertEquals(0, create(host, host.dir.resolve("out"), err, "--bundle", bundle.toString(), "w1"), Files.readString(err));
            TestHost.Result start = run(host, "start", "w1");
            assertEquals(0, start.exit(), start.err());
            assertEquals("contain-oci: w1: hooks: poststart[0] /bin/false: exited with code 1\n", start.err());
            awaitStatus(host, "w1", "stopped");
            TestHost.Result delete = run(host, "delete", "w1");
            assertEquals(0, delete.exit(), delete.err());
            assertEquals("contain-oci: w1: hooks: poststop[0] /bin/false: exited with code 1\n", delete.err());
            assertEquals(List.of("poststart", "poststop"), kinds(log));
            host.assertNothingLeft();
        }
    }

    @Test
    void badHooksAreRefusedByField() throws Exception {
        try (TestHost host = new TestHost()) {
            ObjectNode hooks = JSON.createObjectNode();
            hooks.putArray("poststart").addObject().put("path", "relative/hook");
            Path bundle = hooked(host, "r", "true", hooks);
            Path err = host.dir.resolve("err");
            assertEquals(1, create(host, host.dir.resolve("out"), err, "--bundle", bundle.toString(), "r1"));
            assertEquals("contain-oci: r1: config.json: hooks.poststart[0].path: not an absolute path: relative/hook\n", Files.readString(err));
            host.assertNothingLeft();
        }
    }

    /** run: the same hooks around a foreground run. */
    @Test
    void runRunsEveryHook() throws Exception {
        try (TestHost host = new TestHost()) {
            Path log = host.dir.resolve("r2-hooks/order");
            ObjectNode hooks = JSON.createObjectNode();
            for (String kind : KINDS) {
                hooks.putArray(kind).add(hook("/bin/sh", kind, kind.equals("startContainer") ? Path.of("/hooks/order") : log));
            }
            Path bundle = hooked(host, "r2", "echo command >> /hooks/order", hooks);
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "r2");
            assertEquals(0, r.exit(), r.err());
            List<String> order = new ArrayList<>(order(Files.readAllLines(log)));
            order.remove("command"); // it runs beside poststart
            assertEquals(KINDS, order);
            host.assertNothingLeft();
        }
    }

    /** A hook that runs {@code script} with sh. */
    private static ObjectNode shell(String script) {
        ObjectNode h = JSON.createObjectNode().put("path", "/bin/sh");
        h.putArray("args").add("sh").add("-c").add(script);
        return h;
    }

    /**
     * A started container's records (status, exec-plan) go in place only once its command runs: while its process
     * waits before pivot_root (createRuntime runs then) its mount namespace still shows the host's files, so exec's
     * fast path must find no plan there. The plans and the status are written beside by then (the engine writes them
     * while the init starts the command), all are in place when poststart runs, and the status's start time is
     * after the hooks the process waited for.
     */
    @Test
    void theExecPlanIsInPlaceOnlyOnceTheCommandRuns() throws Exception {
        try (TestHost host = new TestHost()) {
            Path state = host.runRoot.resolve("r5");
            Path hooked = host.dir.resolve("r5-hooks");
            ObjectNode hooks = JSON.createObjectNode();
            hooks.putArray("createRuntime").add(shell("ls -A " + state + " > " + hooked.resolve("createRuntime")))
                    .add(shell("sleep 0.3; date +%s%3N > " + hooked.resolve("hooksDone")));
            hooks.putArray("poststart").add(shell("ls -A " + state + " > " + hooked.resolve("poststart")
                    + "; cat " + state.resolve("status") + " > " + hooked.resolve("status")));
            Path bundle = hooked(host, "r5", "true", hooks);
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "r5");
            assertEquals(0, r.exit(), r.err());
            List<String> waiting = Files.readAllLines(host.dir.resolve("r5-hooks/createRuntime"));
            assertFalse(waiting.contains("exec-plan") || waiting.contains("status"), "in place before the pivot: " + waiting);
            assertTrue(waiting.contains(".exec-plan.new") && waiting.contains(".init-plan.new"), "written beside meanwhile: " + waiting);
            List<String> running = Files.readAllLines(host.dir.resolve("r5-hooks/poststart"));
            assertTrue(running.containsAll(List.of("exec-plan", "status", "init-plan")), "in place once it runs: " + running);
            assertFalse(running.contains(".exec-plan.new"), running.toString());
            long hooksDone = Long.parseLong(Files.readString(hooked.resolve("hooksDone")).trim());
            long started = Files.readAllLines(hooked.resolve("status")).stream().filter(l -> l.startsWith("started="))
                    .mapToLong(l -> Long.parseLong(l.substring("started=".length()))).findFirst().orElseThrow();
            assertTrue(started >= hooksDone, "started " + started + ", before the hooks ended at " + hooksDone);
            host.assertNothingLeft();
        }
    }

    /** runtime-spec: a hook's args are its argv, args[0] included, whoever runs it (the engine or the init). */
    @Test
    void everyHookGetsItsArgsAsArgvArgZeroIncluded() throws Exception {
        try (TestHost host = new TestHost()) {
            Path log = host.dir.resolve("a0-hooks/order");
            ObjectNode hooks = JSON.createObjectNode();
            for (String kind : KINDS) {
                String to = kind.equals("startContainer") ? "/hooks/order" : log.toString();
                ObjectNode h = hooks.putArray(kind).addObject().put("path", "/bin/sh");
                // sh -c: $0 is its argv[0]; the container's sh is busybox, which picks its applet by argv[0]'s base name
                h.putArray("args").add("/" + kind + "-argv0/sh").add("-c").add("echo \"$0\" >> " + to);
            }
            ObjectNode missing = hooks.withArray("poststop").addObject().put("path", "/no/such/hook");
            missing.putArray("args").add("nothing");
            Path bundle = hooked(host, "a0", "true", hooks);
            TestHost.Result r = run(host, "run", "--bundle", bundle.toString(), "a0");
            assertEquals(0, r.exit(), r.err());
            assertEquals(KINDS.stream().map(k -> "/" + k + "-argv0/sh").toList(), Files.readAllLines(log));
            assertEquals("contain-oci: a0: hooks: poststop[1] /no/such/hook: exited with code 127: cannot exec /no/such/hook: "
                    + "No such file or directory\n", r.err(), "a hook that cannot be exec'd is named, with why");
            host.assertNothingLeft();
        }
    }
}
