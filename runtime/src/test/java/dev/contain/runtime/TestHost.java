package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** The CLI in a new JVM, as a user runs it, with this host's roots. */
    public ProcessBuilder cli(String... args) {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("nsenter", "--net=/run/netns/" + netns));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.contain.runtime.cli.Main", "--root", dataRoot.toString(), "--run-root", runRoot.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    public Result run(String... args) throws IOException, InterruptedException {
        Process p = cli(args).start();
        p.getOutputStream().close();
        return Result.of(p, 60);
    }

    private final List<Running> started = new ArrayList<>();

    public Running start(String... args) throws IOException {
        Running run = new Running(cli(args).start());
        started.add(run);
        return run;
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

    /** Nothing the test made may remain: state, writable layers, mounts, processes. */
    public void assertNothingLeft() throws IOException {
        List<String> states = list(runRoot).stream().filter(n -> !n.equals(".networks") && !n.equals(".ids")).toList();
        StringBuilder journals = new StringBuilder();
        for (String st : states) {
            Path j = runRoot.resolve(st).resolve("journal");
            journals.append(st).append(": ").append(Files.exists(j) ? Files.readString(j) : "(no journal)").append('\n');
        }
        assertEquals(List.of(), states, "state folders left in the run root; their journals:\n" + journals);
        assertEquals(List.of(), list(runRoot.resolve(".networks")).stream().filter(n -> !n.equals("lock")).toList(), "address leases left");
        assertEquals(List.of(), list(dataRoot.resolve("containers")), "writable layers left in the data root");
        assertEquals(List.of(), heldRanges(), "id ranges still held");
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(dir.toString())).toList();
        assertEquals(List.of(), mounts, "mounts left on the host");
        assertEquals(List.of(), leftoverCgroups(), "cgroups left");
        List<String> processes = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> p.info().commandLine()
                .filter(c -> c.contains(dir.toString()) && p.pid() != ProcessHandle.current().pid())
                .ifPresent(processes::add));
        assertEquals(List.of(), processes, "processes left running");
    }

    /** The claims of id ranges in the run root: "CONTAINER@UID-GID-SIZE". */
    public List<String> heldRanges() throws IOException {
        return list(runRoot.resolve(".ids")).stream().filter(n -> n.contains("@")).sorted().toList();
    }

    /** The engine's shared cgroup parent goes with the last container; tests run one engine at a time. */
    static List<String> leftoverCgroups() throws IOException {
        var layout = dev.contain.runtime.cgroup.CgroupLayout.detect();
        List<String> left = new ArrayList<>();
        List<CgroupLayout.Hierarchy> hierarchies = new ArrayList<>(layout.v1().values());
        if (layout.usesV2()) {
            hierarchies.add(layout.v2());
        }
        for (var h : hierarchies) {
            Path parent = layout.usesV2() ? h.engineDir().getParent().resolve("contain") : h.engineDir().resolve("contain");
            if (Files.exists(parent)) {
                left.add(parent.toString());
            }
        }
        return left;
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
            assertNothingLeft();
            if (netns != null) {
                String links = inNetns("ip", "-o", "link", "show");
                assertEquals(List.of(), links.lines().filter(l -> l.contains("ct-") || l.contains("veth")).toList(), "veths left");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (netns != null) {
                try {
                    exec(List.of("ip", "netns", "del", netns));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
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
