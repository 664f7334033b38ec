package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.kernel.EmbeddedBinary;
import dev.contain.runtime.kernel.LinuxKernel;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * contain exec on the real kernel: a process in all of a running container's namespaces and cgroups, confined as
 * its command is, joined through a pidfd checked against the recorded start time; and -t (a pty inside the
 * container) for exec and run, driven through a pty the test opens.
 */
class ExecTest {
    /** PID 1 of the test's containers: runs until stopped, TERM ends it. */
    private static final String SLEEPER = "command: [sh, -c, 'trap \"exit 3\" TERM; echo ready; while true; do sleep 0.05; done']\n";
    private static final String SPEC = "image: busybox\nhostname: boxy\nenv: { GREETING: hello }\nworkdir: /etc\n"
            + "resources: { memory: 64Mi, pids: 32 }\n" + SLEEPER;

    static void ok(Result r) {
        assertEquals(0, r.exit(), "exit code; stdout: " + r.out() + " stderr: " + r.err());
    }

    private static void startDetached(TestHost host, String name) throws Exception {
        startDetached(host, name, SPEC);
    }

    /** run -d of {@code spec} (its command says "ready"), returning once its log says so. */
    static void startDetached(TestHost host, String name, String spec) throws Exception {
        ok(host.run("run", "-d", host.spec(name, spec).toString()));
        long deadline = System.currentTimeMillis() + 10_000;
        while (!host.run("logs", name).out().contains("ready")) {
            assertTrue(System.currentTimeMillis() < deadline, "the container did not start");
            Thread.sleep(50);
        }
    }

    private static String out(TestHost host, String... args) throws Exception {
        Result r = host.run(args);
        ok(r);
        return r.out();
    }

    @Test
    void execRunsInsideTheContainerAndPassesItsExitOn() throws Exception {
        try (TestHost host = new TestHost()) {
            startDetached(host, "box");
            assertEquals("boxy\n", out(host, "exec", "box", "--", "hostname"));
            assertEquals("sh\0-c\0", out(host, "exec", "box", "cat", "/proc/1/cmdline").substring(0, 6), "PID 1 is the container's command");
            // every namespace and cgroup of the container's first process, seen from inside
            String same = out(host, "exec", "box", "--", "sh", "-c", "for n in user mnt pid net uts ipc cgroup; do "
                    + "[ \"$(readlink /proc/self/ns/$n)\" = \"$(readlink /proc/1/ns/$n)\" ] && echo $n; done; "
                    + "[ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/1/cgroup)\" ] && echo cgroups");
            assertEquals("user\nmnt\npid\nnet\nuts\nipc\ncgroup\ncgroups\n", same);
            // and from the host: the exec'd process is in the container's cgroups (it prints its host pid's cgroup file)
            long pid1 = Long.parseLong(out(host, "ps", "--format", "json").replaceAll("(?s).*\"pid\" : (\\d+).*", "$1"));
            String hostCgroups = Files.readString(Path.of("/proc/" + pid1 + "/cgroup"));
            TestHost.Running bg = host.start("exec", "box", "--", "sh", "-c", "echo started; exec sleep 30");
            bg.awaitLine("started");
            long execPid = childOf(pid1, "sleep");
            assertEquals(hostCgroups, Files.readString(Path.of("/proc/" + execPid + "/cgroup")), "the container's cgroups, v1 and v2");
            bg.signal("TERM"); // the engine forwards it to the exec'd process
            Result sleeper = bg.finish();
            assertEquals(128 + 15, sleeper.exit(), sleeper.err());

            assertEquals(7, host.run("exec", "box", "--", "sh", "-c", "exit 7").exit());
            assertEquals(137, host.run("exec", "box", "--", "sh", "-c", "kill -9 $$").exit(), "128+N for a signal");
            Result missing = host.run("exec", "box", "--", "nosuch", "arg");
            assertEquals(127, missing.exit());
            assertEquals("contain: box: exec \"nosuch\": No such file or directory\n", missing.err());
            Result notExecutable = host.run("exec", "box", "--", "/etc/passwd");
            assertEquals(126, notExecutable.exit());
            assertTrue(notExecutable.err().contains("exec \"/etc/passwd\": Permission denied"), notExecutable.err());

            // the container's env, workdir and user; -e, -w and -u replace them
            assertEquals("hello /etc 0 0\n", out(host, "exec", "box", "--", "sh", "-c", "echo $GREETING $PWD $(id -u) $(id -g)"));
            assertEquals("bye x /tmp 65534 65534 /home\n", out(host, "exec", "-e", "GREETING=bye", "-e", "NEW=x", "-w", "/tmp", "-u", "nobody",
                    "box", "--", "sh", "-c", "echo $GREETING $NEW $PWD $(id -u) $(id -g) $HOME"));
            assertEquals("33 1\n", out(host, "exec", "-u", "33:1", "box", "--", "sh", "-c", "echo $(id -u) $(id -g)"));
            Result noUser = host.run("exec", "-u", "nosuchuser", "box", "--", "true");
            assertEquals(125, noUser.exit());
            assertTrue(noUser.err().contains("no user 'nosuchuser'"), noUser.err());
            assertEquals(125, host.run("exec", "-w", "relative", "box", "--", "true").exit());

            ok(host.run("stop", "box"));
            Result stopped = host.run("exec", "box", "--", "true");
            assertEquals(125, stopped.exit());
            assertTrue(stopped.err().startsWith("contain: box: is not running (exited (3)"), stopped.err());
            ok(host.run("rm", "box"));
            Result gone = host.run("exec", "box", "--", "true");
            assertEquals(125, gone.exit());
            assertTrue(gone.err().contains("no such container"), gone.err());
        }
    }

    /** docker's exec: stdin only with -i (else /dev/null); -d returns once the process runs, which runs on. */
    @Test
    void stdinOnlyWithIAndADetachedExecRunsOn() throws Exception {
        try (TestHost host = new TestHost()) {
            startDetached(host, "io");
            Path input = host.dir.resolve("input");
            Files.writeString(input, "hello\n");
            Result withoutI = host.run(host.cli("exec", "io", "--", "sh", "-c", "cat; echo end").redirectInput(input.toFile()));
            ok(withoutI);
            assertEquals("end\n", withoutI.out(), "without -i the process reads /dev/null");
            Result withI = host.run(host.cli("exec", "-i", "io", "--", "sh", "-c", "cat; echo end").redirectInput(input.toFile()));
            ok(withI);
            assertEquals("hello\nend\n", withI.out());

            long pid1 = Long.parseLong(out(host, "ps", "--format", "json").replaceAll("(?s).*\"pid\" : (\\d+).*", "$1"));
            long started = System.nanoTime();
            Result detached = host.run("exec", "-d", "io", "--", "sh", "-c", "echo lost; exec sleep 30");
            ok(detached);
            assertTrue((System.nanoTime() - started) / 1_000_000 < 20_000, "exec -d returns at once");
            assertEquals("", detached.out(), "a detached process's output goes nowhere");
            long sleeper = childOf(pid1, "sleep"); // it runs on in the container after exec returned
            String stat = Files.readString(Path.of("/proc/" + sleeper + "/stat"));
            long parent = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
            assertTrue(Files.readString(Path.of("/proc/" + parent + "/comm")).startsWith("contain-init"),
                    "its parent is its monitor (the init's host side), which reaps it: " + parent);
            Result missing = host.run("exec", "-d", "io", "--", "nosuch");
            assertEquals(127, missing.exit(), "a detached exec that cannot start fails as exec does");
            assertEquals("contain: io: exec \"nosuch\": No such file or directory\n", missing.err());
            Result dt = host.run("exec", "-d", "-t", "io", "--", "true");
            assertEquals(125, dt.exit());
            assertTrue(dt.err().contains("exec -d with -t is not supported"), dt.err());
            ok(host.run("rm", "-f", "io")); // the detached process and its monitor end with the container
            for (int i = 0; i < 100 && (Files.exists(Path.of("/proc/" + sleeper)) || Files.exists(Path.of("/proc/" + parent))); i++) {
                Thread.sleep(50);
            }
            assertFalse(Files.exists(Path.of("/proc/" + parent)), "the detached exec's monitor ended with its process");
        }
    }

    /** The host pid of the process named {@code comm} among the descendants of the container's PID 1's siblings. */
    private static long childOf(long pid1, String comm) throws Exception {
        String pidns = Files.readSymbolicLink(Path.of("/proc/" + pid1 + "/ns/pid")).toString();
        for (int i = 0; i < 100; i++) {
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                    try {
                        if (Files.readString(p.resolve("comm")).trim().equals(comm)
                                && Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(pidns)
                                && Files.readString(p.resolve("cmdline")).equals("sleep\u000030\u0000")) {
                            return Long.parseLong(p.getFileName().toString());
                        }
                    } catch (java.io.IOException e) {
                        // gone meanwhile
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no process " + comm + " in the container's pid namespace");
    }

    @Test
    void theExecdProcessIsConfinedAsTheContainersCommand() throws Exception {
        try (TestHost host = new TestHost()) {
            startDetached(host, "conf");
            String lines = "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):' ";
            String mine = out(host, "exec", "conf", "--", "sh", "-c", lines + "/proc/self/status");
            String pid1 = out(host, "exec", "conf", "--", "sh", "-c", lines + "/proc/1/status");
            assertEquals(pid1, mine);
            assertTrue(mine.contains("NoNewPrivs:\t1") && mine.contains("Seccomp:\t2") && !mine.contains("CapEff:\t000001ffffffffff"), mine);
            assertEquals(out(host, "exec", "conf", "--", "cat", "/proc/1/limits"), out(host, "exec", "conf", "--", "cat", "/proc/self/limits"));
            // -u looks names up in the container's /etc/passwd, never through a symlink that would resolve on the host
            Path hostPasswd = host.dir.resolve("passwd");
            Files.writeString(hostPasswd, "hostonly:x:4242:4242::/:/bin/sh\n");
            ok(host.run("exec", "conf", "--", "ln", "-sf", hostPasswd.toString(), "/etc/passwd"));
            Result viaLink = host.run("exec", "-u", "hostonly", "conf", "--", "id", "-u");
            assertEquals(125, viaLink.exit(), viaLink.out());
            assertTrue(viaLink.err().contains("no user 'hostonly'"), viaLink.err());
            ok(host.run("rm", "-f", "conf"));
        }
    }

    @Test
    void aReusedPidIsNeverEntered() throws Exception {
        try (TestHost host = new TestHost()) {
            startDetached(host, "stamp");
            // the recorded start time no longer matches: as if the pid had been reused by another process
            Path status = host.runRoot.resolve("stamp/status");
            String real = Files.readString(status);
            String forged = real.replaceAll("(?m)^pid=(\\d+) (\\d+)$", "pid=$1 1");
            assertFalse(real.equals(forged));
            Files.writeString(status, forged);
            Result r = host.run("exec", "stamp", "--", "true");
            assertEquals(125, r.exit());
            assertTrue(r.err().contains("is not running") && r.err().contains("has ended"), r.err());
            Files.writeString(status, real);
            ok(host.run("rm", "-f", "stamp"));
        }
    }

    /** The init's own check, below the engine's: it opens a pidfd, then compares the start time. */
    @Test
    void theInitRefusesAJoinWhoseStartTimeDiffers() throws Exception {
        Path tmp = Files.createTempDirectory("contain-exec-test-");
        Process target = new ProcessBuilder("sleep", "30").start();
        try {
            Path init = EmbeddedBinary.CONTAIN_INIT.ensure(tmp);
            long start = LinuxKernel.INSTANCE.startTime(target.pid()).orElseThrow();
            List<String> wrong = join(init, target.pid(), start + 1, List.of());
            assertEquals(List.of("error setup 3 the container's process " + target.pid() + " has ended (pid " + target.pid()
                    + " is another process now, started at " + start + ", not " + (start + 1) + ")"), wrong);
            // the right stamp, and no namespace to join (a plain process): the command runs
            assertEquals(List.of("pid", "started", "exit code 0"), join(init, target.pid(), start, List.of()));
            // a join makes nothing: entries that would are refused
            assertEquals(List.of("error setup 22 plan entry \"clone\": not with join (exec into a running container)"),
                    join(init, target.pid(), start, List.of(List.of("clone", "131072"))));
            assertEquals(List.of("error setup 22 plan entry \"reaper\": not with join (exec into a running container)"),
                    join(init, target.pid(), start, List.of(List.of("reaper"))));
            assertEquals(List.of("error setup 22 plan entry \"join\": flags 0x1 hold more than namespaces"),
                    join(init, target.pid(), start, List.of(), "1"));
        } finally {
            target.destroyForcibly();
            target.waitFor();
            LinuxKernel.INSTANCE.deleteTree(tmp);
        }
    }

    private static List<String> join(Path init, long pid, long start, List<List<String>> extra) throws Exception {
        return join(init, pid, start, extra, "0");
    }

    /** The lines the init answers to a join plan ("pid N" shortened to "pid"), sending "go" after "pid". */
    private static List<String> join(Path init, long pid, long start, List<List<String>> extra, String flags) throws Exception {
        List<List<String>> entries = new ArrayList<>(List.of(List.of("version", "2"), List.of("join", Long.toString(pid), Long.toString(start), flags),
                List.of("argv", "/bin/true"), List.of("cwd", "/"), List.of("user", "0", "0")));
        entries.addAll(extra);
        byte[] plan = dev.contain.runtime.init.InitCodec.entries(entries);
        Process p = new ProcessBuilder(init.toString(), Long.toString(ProcessHandle.current().pid()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new ArrayList<>();
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try (OutputStream toInit = p.getOutputStream()) {
            toInit.write(("plan 2 " + plan.length + "\n").getBytes(StandardCharsets.US_ASCII));
            toInit.write(plan);
            toInit.flush();
            for (String l; (l = in.readLine()) != null; ) {
                lines.add(l.startsWith("pid ") ? "pid" : l);
                if (l.startsWith("pid ")) {
                    toInit.write("go\n".getBytes(StandardCharsets.US_ASCII));
                    toInit.flush();
                }
            }
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return lines;
    }

    @Test
    void anExecdProcessDiesWithItsEngine() throws Exception {
        try (TestHost host = new TestHost()) {
            startDetached(host, "orph");
            TestHost.Running exec = host.start("exec", "orph", "--", "sh", "-c", "echo started; exec sleep 30");
            exec.awaitLine("started");
            long pid1 = Long.parseLong(out(host, "ps", "--format", "json").replaceAll("(?s).*\"pid\" : (\\d+).*", "$1"));
            long sleeper = childOf(pid1, "sleep");
            exec.signal("KILL"); // the engine dies: its pipe to the init closes, the init kills the process
            exec.process.waitFor(10, TimeUnit.SECONDS);
            boolean gone = false;
            for (int i = 0; i < 100 && !gone; i++) {
                try {
                    gone = Files.readString(Path.of("/proc/" + sleeper + "/stat")).contains(") Z");
                } catch (IOException ended) { // ESRCH or ENOENT: it has gone between the calls
                    gone = true;
                }
                Thread.sleep(50);
            }
            assertTrue(gone, "the exec'd process ended with its engine");
            assertEquals("", out(host, "exec", "orph", "--", "sh", "-c", "ps -o args | grep -x 'sleep 30' || true"), "nothing left in the container");
            ok(host.run("rm", "-f", "orph"));
        }
    }

    @Test
    void ttyForExecAndRun() throws Exception {
        try (TestHost host = new TestHost()) {
            startDetached(host, "term");
            try (Pty pty = Pty.open(24, 80)) {
                String before = pty.settings();
                Process p = pty.start(host.cli("exec", "-it", "term", "--", "sh", "-c",
                        "tty; stty size; while true; do stty size; sleep 0.1; done"));
                pty.await("/dev/pts/0\r\n24 80\r\n");
                pty.resize(40, 100);
                pty.await("40 100\r\n");
                pty.write("\u0003"); // raw: Ctrl-C is a byte for the container's terminal, which signals its foreground group
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                assertEquals(130, p.exitValue(), pty.output());
                assertEquals(before, pty.settings(), "the terminal's settings restored");
            }
            // -t without -i, as docker's: a pty sized as the terminal written to (stdin is /dev/null), resized with it, nothing raw
            try (Pty pty = Pty.open(30, 70)) {
                String before = pty.settings();
                Process p = pty.start(host.cli("exec", "-t", "term", "--", "sh", "-c",
                        "tty; stty size; while true; do stty size; sleep 0.1; done"));
                pty.await("30 70");
                assertEquals(before, pty.settings(), "without -i the terminal is not made raw");
                pty.resize(41, 101);
                pty.await("41 101");
                p.destroy();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                assertTrue(pty.output().startsWith("/dev/pts/"), pty.output());
            }
            try (Pty pty = Pty.open(33, 91)) {
                Process p = pty.start(host.cli("run", "-q", "-it", host.spec("term2", SPEC).toString(), "--", "sh", "-c", "tty; stty size; exit 4"));
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(4, p.exitValue(), pty.output());
                pty.await("/dev/pts/0\r\n33 91\r\n");
            }
            // without -t: pipes, no terminal
            Result plain = host.run("exec", "term", "--", "sh", "-c", "tty; true");
            assertEquals("not a tty\n", plain.out());
            Result detached = host.run("run", "-d", "-t", host.spec("term3", SPEC).toString());
            assertEquals(125, detached.exit());
            assertTrue(detached.err().contains("run -d with -t is not supported"), detached.err());
            ok(host.run("rm", "-f", "term"));
        }
    }

    /** The init puts the user's terminal in raw mode; killed with SIGKILL it cannot set it back: the engine does. */
    @Test
    void aKilledInitLeavesTheTerminalAsItWas() throws Exception {
        try (TestHost host = new TestHost()) {
            startDetached(host, "raw");
            List<ProcessBuilder> clis = List.of(host.cli("exec", "-it", "raw", "--", "sh", "-c", "echo ready; sleep 30"),
                    host.cli("run", "-q", "-it", host.spec("raw2", SPEC).toString(), "--", "sh", "-c", "echo ready; sleep 30"));
            for (ProcessBuilder cli : clis) {
                try (Pty pty = Pty.open(24, 80)) {
                    String before = pty.settings();
                    Process p = pty.start(cli);
                    pty.await("ready");
                    assertFalse(before.equals(pty.settings()), "raw while the command runs");
                    long init = ProcessHandle.of(p.pid()).orElseThrow().children()
                            .filter(c -> comm(c.pid()).equals("contain-init")).findFirst().orElseThrow().pid();
                    TestHost.exec(List.of("kill", "-KILL", Long.toString(init)));
                    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                    assertEquals(125, p.exitValue(), pty.output());
                    assertEquals(before, pty.settings(), "the engine set the terminal back: " + cli.command().subList(cli.command().indexOf("--run-root") + 2, cli.command().size()));
                    pty.await("killed by signal 9");
                }
            }
            ok(host.run("rm", "-f", "raw"));
        }
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** A pty the test opens (JNA): the engine runs with its terminal side as stdio and controlling terminal (setsid -c). */
    static final class Pty implements AutoCloseable {
        interface C extends com.sun.jna.Library {
            int posix_openpt(int flags);

            int open(String path, int flags);

            int grantpt(int fd);

            int unlockpt(int fd);

            String ptsname(int fd);

            int ioctl(int fd, long request, short[] winsize);

            int read(int fd, byte[] buf, long count);

            int write(int fd, byte[] buf, long count);

            int close(int fd);
        }

        private static final C LIBC = com.sun.jna.Native.load("c", C.class);
        private static final long TIOCSWINSZ = 0x5414;
        private final int master;
        private final String slave;
        private int slaveFd = -1; // held by the test: a master whose terminal side no one has open reads EIO
        private final StringBuilder output = new StringBuilder();
        private final Thread reader;

        private Pty(int master) {
            this.master = master;
            this.slave = LIBC.ptsname(master);
            reader = new Thread(() -> {
                byte[] buf = new byte[4096];
                int n;
                while ((n = LIBC.read(master, buf, buf.length)) > 0) {
                    synchronized (output) {
                        output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        output.notifyAll();
                    }
                }
            }, "pty-reader");
            reader.setDaemon(true);
        }

        /** A master received from elsewhere (an OCI console socket), read and written as one the test opened. */
        static Pty adopt(int master) {
            Pty pty = new Pty(master);
            pty.reader.start();
            return pty;
        }

        static Pty open(int rows, int cols) {
            int fd = LIBC.posix_openpt(2 | 0400 | 02000000); // O_RDWR | O_NOCTTY | O_CLOEXEC
            assertTrue(fd >= 0 && LIBC.grantpt(fd) == 0 && LIBC.unlockpt(fd) == 0, "openpt");
            Pty pty = new Pty(fd);
            pty.slaveFd = LIBC.open(pty.slave, 2 | 0400 | 02000000);
            assertTrue(pty.slaveFd >= 0, "open " + pty.slave);
            pty.resize(rows, cols);
            pty.reader.start();
            return pty;
        }

        void resize(int rows, int cols) {
            assertEquals(0, LIBC.ioctl(master, TIOCSWINSZ, new short[] {(short) rows, (short) cols, 0, 0}));
        }

        /** The engine, as a session leader with this terminal as its controlling terminal and stdio. */
        Process start(ProcessBuilder cli) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("setsid", "-c"));
            cmd.addAll(cli.command());
            File tty = new File(slave);
            return new ProcessBuilder(cmd).redirectInput(tty).redirectOutput(tty).redirectError(tty).start();
        }

        /** stty -g of the terminal side: its settings. */
        String settings() throws Exception {
            return TestHost.output(List.of("stty", "-g", "-F", slave)).trim();
        }

        void write(String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            assertEquals(b.length, LIBC.write(master, b, b.length));
        }

        String output() {
            synchronized (output) {
                return output.toString();
            }
        }

        void await(String text) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 15_000;
            synchronized (output) {
                while (output.indexOf(text) < 0) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        throw new AssertionError("no '" + text.replace("\r", "\\r").replace("\n", "\\n") + "' on the terminal: "
                                + output.toString().replace("\r", "\\r"));
                    }
                    output.wait(left);
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (slaveFd >= 0) {
                LIBC.close(slaveFd); // the reader reads EIO, and ends
            }
            reader.join(5000);
            LIBC.close(master);
        }
    }
}
