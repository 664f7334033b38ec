package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import dev.contain.runtime.cgroup.CgroupLayout;

/**
 * A private engine installation for one test: its own data root (with the busybox image) and run root
 * under a temp folder, the CLI run as a separate process like a user runs it, and a check that nothing
 * the test made is left: no state, no writable layers, no mounts, no processes.
 */
public final class TestHost implements AutoCloseable {
    private static Path busyboxArchive;

    public final Path dir;
    public final Path dataRoot;
    public final Path runRoot;
    /** The network namespace this test made for the engine, or null: links and traffic stay inside it. */
    public final String netns;

    public TestHost() throws IOException, InterruptedException {
        this(false);
    }

    public TestHost(boolean ownNetwork) throws IOException, InterruptedException {
        assumeTrue(isRoot(), "integration tests need root (namespaces, overlay, cgroups)");
        // 0711: a container's root is an unprivileged host uid that must get through to its own folder
        dir = Files.createTempDirectory("contain-test-", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x")));
        dataRoot = dir.resolve("data");
        runRoot = dir.resolve("run");
        Path image = dataRoot.resolve("images/busybox/rootfs");
        Files.createDirectories(image.getParent());
        // a copy per test keeps tests independent; tar of a 2 MB rootfs takes a few ms
        exec(List.of("tar", "--extract", "--file", busybox().toString(), "--directory", mkdirs(image).toString()));
        netns = ownNetwork ? "contain-test-" + ProcessHandle.current().pid() + "-" + dir.getFileName().toString().replaceAll("\\D", "") : null;
        if (netns != null) {
            exec(List.of("ip", "netns", "add", netns));
            inNetns("ip", "link", "set", "lo", "up");
        }
    }

    /** A command run in the test's network namespace (only the net namespace: mounts and cgroups stay the host's). */
    public String inNetns(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " did not finish");
        }
        return p.exitValue() == 0 ? out : "exit " + p.exitValue() + ": " + out;
    }

    /**
     * Makes the test's network namespace forward IPv4, as a host running docker, podman or Kubernetes does: the
     * engine's isolation must not depend on it. The machine's own setting is checked to stay as it was.
     */
    public void forwarding() throws IOException, InterruptedException {
        Path hostSetting = Path.of("/proc/sys/net/ipv4/ip_forward");
        String before = Files.readString(hostSetting);
        assertEquals("net.ipv4.ip_forward = 1\n", inNetns("sysctl", "-w", "net.ipv4.ip_forward=1"));
        assertEquals(before, Files.readString(hostSetting), "the machine's own ip_forward is untouched");
    }

    public static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        } catch (IOException e) {
            return false;
        }
    }

    static synchronized Path busybox() throws IOException, InterruptedException {
        if (busyboxArchive == null) {
            Path out = Path.of("target/busybox.tar").toAbsolutePath();
            if (!Files.exists(out)) {
                exec(List.of("../images/busybox.sh", out.toString()));
            }
            busyboxArchive = out;
        }
        return busyboxArchive;
    }

    public Path imageRootfs() {
        return dataRoot.resolve("images/busybox/rootfs");
    }

    public Path spec(String name, String yaml) throws IOException {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** The CLI in a new JVM, as a user runs it, with this host's roots (in the test's network namespace, if any, by nsenter). */
    public ProcessBuilder cli(String... args) {
        return cli(netns == null ? List.of() : List.of("nsenter", "--net=/run/netns/" + netns), args);
    }

    /** The CLI started by {@code launcher} (e.g. ip netns exec NS): a JVM, as a user runs it, with this host's roots. */
    public ProcessBuilder cli(List<String> launcher, String... args) {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.contain.runtime.cli.Main", "--root", dataRoot.toString(), "--run-root", runRoot.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    public Result run(String... args) throws IOException, InterruptedException {
        return run(cli(args));
    }

    /** Runs a CLI process to its end, its stdin closed. */
    public Result run(ProcessBuilder cli) throws IOException, InterruptedException {
        Process p = cli.start();
        p.getOutputStream().close();
        return Result.of(p, 60);
    }

    /** The CLI with test hooks (kernel/TestHooks: crashAt, pauseAt) set, as -Dcontain.test.NAME=POINT. */
    public ProcessBuilder cliWith(java.util.Map<String, String> hooks, String... args) {
        ProcessBuilder cli = cli(args);
        List<String> cmd = new ArrayList<>(cli.command());
        int java = cmd.indexOf("-cp");
        hooks.forEach((k, v) -> cmd.add(java, "-Dcontain.test." + k + "=" + v));
        return cli.command(cmd);
    }

    private final List<Running> started = new ArrayList<>();

    public Running start(String... args) throws IOException {
        return start(cli(args));
    }

    public Running start(ProcessBuilder cli) throws IOException {
        Running run = new Running(cli.start());
        started.add(run);
        return run;
    }

    private final List<Path> mounts = new ArrayList<>();

    /** A tmpfs of {@code size} at {@code at} (made if missing), unmounted when the test ends. */
    public Path tmpfs(Path at, String size) throws IOException, InterruptedException {
        Files.createDirectories(at);
        exec(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "contain-test", at.toString()));
        mounts.add(0, at);
        return at;
    }

    /** Fills a file system to the last byte: a file written until the kernel says ENOSPC. */
    public static void fill(Path fs) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(fs.resolve("filler"))) {
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    private final List<String> cgroupParents = new ArrayList<>();

    /**
     * A cgroup parent for {@code --cgroup-parent} or a spec's cgroupParent, from the hierarchies' roots; when
     * the test ends, whatever the engine left in it is reported, and it is removed (the engine never
     * removes a parent the user named).
     */
    public String cgroupParent() {
        String parent = "/contain-test-" + ProcessHandle.current().pid() + "-" + cgroupParents.size();
        cgroupParents.add(parent);
        return parent;
    }

    /** What a finished CLI process printed and returned. */
    public record Result(int exit, String out, String err) {
        static Result of(Process p, int seconds) throws IOException, InterruptedException {
            var out = readAsync(p.getInputStream());
            var err = readAsync(p.getErrorStream());
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("contain did not finish in " + seconds + " s");
            }
            return new Result(p.exitValue(), out.get(), err.get());
        }
    }

    private static java.util.function.Supplier<String> readAsync(java.io.InputStream in) {
        StringBuilder sb = new StringBuilder();
        Thread t = new Thread(() -> {
            try {
                sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process ended
            }
        });
        t.start();
        return () -> {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return sb.toString();
        };
    }

    /** A container running in the foreground of a CLI process the test drives through stdin and signals. */
    public static final class Running {
        public final Process process;
        private final BufferedReader out;
        private final StringBuilder seen = new StringBuilder();
        private final java.util.function.Supplier<String> err;

        Running(Process process) {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.err = readAsync(process.getErrorStream());
        }

        /** Reads stdout until a line equals {@code line}; fails if the process ends first. */
        public void awaitLine(String line) throws IOException {
            String l;
            while ((l = out.readLine()) != null) {
                seen.append(l).append('\n');
                if (l.equals(line)) {
                    return;
                }
            }
            throw new AssertionError("no line '" + line + "' before exit; stdout: " + seen + " stderr: " + err.get());
        }

        /** Waits until the engine has stopped itself (-Dcontain.test.pauseAt): SIGSTOP, state T. */
        public void awaitStopped() throws IOException, InterruptedException {
            Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
            for (int i = 0; i < 400; i++) {
                if (!process.isAlive()) {
                    break;
                }
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("T")) {
                    return;
                }
                Thread.sleep(25);
            }
            throw new AssertionError("the engine did not stop at its test point; stderr: " + (process.isAlive() ? "" : err.get()));
        }

        /** kill -SIG the engine (Process.destroy would also close its pipes). */
        public void signal(String sig) throws IOException, InterruptedException {
            exec(List.of("kill", "-" + sig, Long.toString(process.pid())));
        }

        /** The next line of stdout. */
        public String nextLine() throws IOException {
            String l = out.readLine();
            if (l == null) {
                throw new AssertionError("no more output; stdout: " + seen + " stderr: " + err.get());
            }
            seen.append(l).append('\n');
            return l;
        }

        /** Reads stdout until a line contains {@code text}; returns that line. */
        public String firstLineContaining(String text) throws IOException {
            while (true) {
                String l = nextLine();
                if (l.contains(text)) {
                    return l;
                }
            }
        }

        public void send(String text) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write(text.getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        public Result finish() throws IOException, InterruptedException {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // already closed
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("contain did not finish");
            }
            StringBuilder rest = new StringBuilder(seen);
            for (String l; (l = out.readLine()) != null; ) {
                rest.append(l).append('\n');
            }
            return new Result(process.exitValue(), rest.toString(), err.get());
        }
    }

    /**
     * Nothing the test made may remain: state, leases, temporaries, writable layers, mounts, cgroups (the
     * default parent's and those of {@link #cgroupParent}), bridges made outside a test's network namespace,
     * and processes: engines and inits (their command line names the test's folder) and containers' own
     * commands (their mounts do: the overlay's layers are in it).
     */
    public void assertNothingLeft() throws IOException {
        List<String> states = list(runRoot).stream().filter(n -> !n.equals(".networks") && !n.equals(".lock") && !n.equals(".ids")).toList();
        StringBuilder journals = new StringBuilder();
        for (String st : states) {
            Path j = runRoot.resolve(st).resolve("journal");
            journals.append(st).append(": ").append(Files.exists(j) ? Files.readString(j) : "(no journal)").append('\n');
        }
        assertEquals(List.of(), states, "state folders left in the run root; their journals:\n" + journals);
        assertEquals(List.of(), list(runRoot.resolve(".networks")).stream().filter(n -> !n.equals("lock")).toList(), "address leases left");
        assertEquals(List.of(), list(dataRoot.resolve("containers")), "writable layers left in the data root");
        assertEquals(List.of(), heldRanges(), "id ranges still held");
        List<String> temporaries = new ArrayList<>();
        list(dataRoot.resolve("images")).stream().filter(n -> n.startsWith(".unpack-") || n.startsWith(".removing-")).forEach(temporaries::add);
        list(dataRoot.resolve("images/.digests")).stream().filter(n -> n.startsWith(".")).forEach(temporaries::add);
        list(dataRoot.resolve("bin")).stream().filter(n -> n.startsWith(".extract-")).forEach(temporaries::add);
        assertEquals(List.of(), temporaries, "temporary files left in the data root");
        if (netns == null) {
            assertEquals(List.of(), list(dataRoot.resolve("networks")), "bridges made in the machine's own network namespace");
        }
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(dir.toString())).toList();
        assertEquals(List.of(), mounts, "mounts left on the host");
        List<String> cgroups = new ArrayList<>(leftoverCgroups());
        cgroups.addAll(leftoverIn(cgroupParents));
        assertEquals(List.of(), cgroups, "cgroups left");
        assertEquals(List.of(), processesLeft(), "processes left running");
    }

    /** Processes of this test: an engine or init names its folder; a container's mounts do. */
    List<String> processesLeft() throws IOException {
        List<String> processes = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                if (Long.parseLong(proc.getFileName().toString()) == self) {
                    continue;
                }
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ').trim();
                    // (a detached container's monitor, the init's host side, runs the init from the data root)
                    if (cmdline.contains(dir.toString()) || Files.readString(proc.resolve("mountinfo")).contains(dir.toString())) {
                        processes.add(proc.getFileName() + " " + cmdline);
                    }
                } catch (IOException e) {
                    // it ended as we looked
                }
            }
        }
        return processes;
    }

    /**
     * The engine's nftables state in the test's namespace is that of its bridges: its table exists exactly
     * while it has a bridge, and isolates exactly the bridges it recorded; no other table was left.
     */
    public void assertRulesMatchBridges() throws IOException, InterruptedException {
        List<String> recorded = list(dataRoot.resolve("networks")).stream().filter(n -> !n.startsWith(".")).sorted().toList();
        String tables = inNetns("nft", "list", "tables");
        if (recorded.isEmpty()) {
            assertEquals("", tables, "nftables tables left in the test's network namespace");
            return;
        }
        assertEquals("table inet contain\n", tables, "the engine's table, for bridges " + recorded);
        assertEquals(recorded, isolatedBridges(), "the bridges in the engine's isolation set");
    }

    /** The names in the engine's nftables set of bridges, sorted. */
    public List<String> isolatedBridges() throws IOException, InterruptedException {
        String json = inNetns("nft", "-j", "list", "set", "inet", "contain", "bridges");
        var elem = java.util.regex.Pattern.compile("\"elem\": \\[([^\\]]*)\\]").matcher(json);
        if (!elem.find()) {
            assertTrue(json.contains("\"set\""), "a listing of the set: " + json);
            return List.of();
        }
        return java.util.Arrays.stream(elem.group(1).split(",")).map(e -> e.trim().replace("\"", "")).sorted().toList();
    }

    /** The claims of id ranges in the run root: "CONTAINER@UID-GID-SIZE". */
    public List<String> heldRanges() throws IOException {
        return list(runRoot.resolve(".ids")).stream().filter(n -> n.contains("@")).sorted().toList();
    }

    /** The engine's shared cgroup parent goes with the last container; tests run one engine at a time. */
    static List<String> leftoverCgroups() throws IOException {
        var layout = dev.contain.runtime.cgroup.CgroupLayout.detect();
        List<String> left = new ArrayList<>();
        for (var h : hierarchies(layout)) {
            Path parent = layout.usesV2() ? h.engineDir().getParent().resolve("contain") : h.engineDir().resolve("contain");
            if (Files.exists(parent)) {
                left.add(parent.toString());
            }
        }
        return left;
    }

    /** Cgroups inside the parents a test named: the engine must remove its containers' own. */
    private static List<String> leftoverIn(List<String> parents) throws IOException {
        List<String> left = new ArrayList<>();
        for (var h : hierarchies(dev.contain.runtime.cgroup.CgroupLayout.detect())) {
            for (String parent : parents) {
                Path dir = h.mountPoint().resolve(parent.substring(1));
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> entries = Files.list(dir)) {
                        entries.filter(Files::isDirectory).forEach(d -> left.add(d.toString()));
                    }
                }
            }
        }
        return left;
    }

    private static List<CgroupLayout.Hierarchy> hierarchies(CgroupLayout layout) {
        List<CgroupLayout.Hierarchy> hierarchies = new ArrayList<>(layout.v1().values());
        if (layout.usesV2()) {
            hierarchies.add(layout.v2());
        }
        return hierarchies;
    }

    /** Empty cgroups under the default parent that a failed test left (rmdir refuses any with a process). */
    private static void removeLeftoverCgroups() throws IOException {
        for (String parent : leftoverCgroups()) {
            removeCgroupTree(Path.of(parent));
        }
    }

    /** Removes the cgroup parents a test named (after the check: by then they must be empty). */
    private void removeCgroupParents() throws IOException {
        for (var h : hierarchies(dev.contain.runtime.cgroup.CgroupLayout.detect())) {
            for (String parent : cgroupParents) {
                removeCgroupTree(h.mountPoint().resolve(parent.substring(1)));
            }
        }
    }

    /** rmdir of a cgroup and those below it, deepest first; one with a process in it stays for the report. */
    private static void removeCgroupTree(Path top) throws IOException {
        try (Stream<Path> walk = Files.exists(top) ? Files.walk(top) : Stream.empty()) {
            for (Path d : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(d);
                } catch (IOException busy) {
                    // EBUSY: left for the leak check's report
                }
            }
        }
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Override
    public void close() throws IOException {
        boolean interrupted = false;
        try {
            boolean abandoned = false;
            for (Running r : started) { // a test that failed midway: its engines are killed, and gc cleans up
                if (r.process.isAlive()) {
                    abandoned = true;
                    r.process.destroyForcibly();
                    r.process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            if (abandoned) {
                run("gc");
            }
            for (Path m : mounts) {
                exec(List.of("umount", "-l", m.toString()));
            }
            mounts.clear();
            try {
                assertNothingLeft();
            } catch (AssertionError e) { // reported; cleaned up as far as gc can, so later tests start clean
                for (String name : list(runRoot)) { // detached containers left running: their monitors live on
                    if (!name.startsWith(".")) {
                        run("rm", "-f", name);
                    }
                }
                run("gc");
                removeLeftoverCgroups(); // one leak reported once, not again by every later test
                throw e;
            }
            if (netns != null) {
                String links = inNetns("ip", "-o", "link", "show");
                assertEquals(List.of(), links.lines().filter(l -> l.contains("ct-") || l.contains("veth")).toList(), "veths left");
                assertRulesMatchBridges();
            }
        } catch (InterruptedException e) {
            interrupted = true; // the checks did not finish: the test must not pass
            Thread.currentThread().interrupt();
        } finally {
            try {
                removeCgroupParents();
                for (Path m : mounts) {
                    new ProcessBuilder("umount", "-l", m.toString()).start().waitFor();
                }
                if (netns != null) {
                    exec(List.of("ip", "netns", "del", netns));
                }
            } catch (InterruptedException e) {
                interrupted = true;
                Thread.currentThread().interrupt();
            } finally {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        if (interrupted) {
            throw new AssertionError("interrupted before the leak checks finished");
        }
    }

    private static Path mkdirs(Path p) throws IOException {
        return Files.createDirectories(p);
    }

    /** What a command printed (stdout and stderr), prefixed "exit N: " when it failed. */
    static String output(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "exit " + p.exitValue() + ": " + out;
    }

    static void exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(cmd + " failed: " + out);
        }
    }
}
