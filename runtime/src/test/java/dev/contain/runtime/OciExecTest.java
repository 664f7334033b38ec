package dev.contain.runtime;

import static dev.contain.runtime.OciRuntimeTest.awaitStatus;
import static dev.contain.runtime.OciRuntimeTest.awaitText;
import static dev.contain.runtime.OciRuntimeTest.bundle;
import static dev.contain.runtime.OciRuntimeTest.create;
import static dev.contain.runtime.OciRuntimeTest.parentCommand;
import static dev.contain.runtime.OciRuntimeTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * contain-oci exec and the console socket on the real kernel, as runc's callers use them: a command with its
 * exit code, a process file, --detach with a pid file, a failed exec; the pty's master received on a unix
 * socket the test listens on; and podman's exec and run -it.
 */
class OciExecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A created and started container running {@code script}; its stdout and stderr go to {@code out}. */
    private static void started(TestHost host, String id, String script, Path out) throws Exception {
        Path bundle = bundle(host, "b-" + id, script);
        Files.setPosixFilePermissions(host.imageRootfs(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")); // for other users
        assertEquals(0, create(host, out, out, "--bundle", bundle.toString(), id), Files.readString(out));
        assertEquals(0, run(host, "start", id).exit());
    }

    private static String ns(long pid, String kind) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", kind)).toString();
    }

    @Test
    void execRunsACommandInTheContainerAndExitsWithItsCode() throws Exception {
        try (TestHost host = new TestHost()) {
            Path out = host.dir.resolve("out");
            started(host, "x1", "echo up; while :; do sleep 0.1; done", out);
            awaitText(out, "up");
            long pid1 = OciRuntimeTest.state(host, "x1").get("pid").asLong();
            TestHost.Result r = run(host, "exec", "--env", "GREETING=hi", "-e", "PATH=/bin", "--cwd", "/tmp", "x1",
                    "sh", "-c", "echo $GREETING from $$ in $(pwd) on $(hostname) as $(id -u); readlink /proc/self/ns/mnt; exit 3");
            assertEquals(3, r.exit(), r.err());
            String[] lines = r.out().split("\n");
            assertTrue(lines[0].matches("hi from \\d+ in /tmp on contain as 0"), r.out()); // its pid in the container's namespace
            assertNotEquals("hi from 1 ", lines[0].substring(0, 10));
            assertEquals(ns(pid1, "mnt"), lines[1]);
            assertEquals(137, run(host, "exec", "x1", "sh", "-c", "kill -9 $$").exit()); // 128+N, as runc
            TestHost.Result missing = run(host, "exec", "x1", "nosuch");
            assertEquals(255, missing.exit()); // runc's code for a failed exec
            assertEquals("contain-oci: x1: exec \"nosuch\": No such file or directory\n", missing.err());
            TestHost.Result user = run(host, "exec", "--user", "1000:1001", "--additional-gids", "7", "--cap", "CAP_SYS_ADMIN", "x1",
                    "sh", "-c", "id; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status");
            assertEquals(0, user.exit(), user.err());
            // runc spec's capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE) and its noNewPrivileges, SYS_ADMIN added, as a user
            assertEquals("uid=1000 gid=1001 groups=7\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n", user.out());
            TestHost.Result root = run(host, "exec", "--cap", "SYS_ADMIN", "x1", "grep", "CapEff", "/proc/self/status");
            assertEquals("CapEff:\t0000000020200420\n", root.out());
            TestHost.Result badUser = run(host, "exec", "--user", "nobody", "x1", "true");
            assertEquals(255, badUser.exit());
            assertEquals("contain-oci: x1: exec: --user nobody: give UID[:GID], numbers (runc takes no names)\n", badUser.err());
            TestHost.Result label = run(host, "exec", "--process-label", "system_u:system_r:container_t:s0", "x1", "true");
            assertEquals(255, label.exit());
            assertTrue(label.err().contains("--process-label: SELinux labels are not supported"), label.err());
            assertEquals("running", OciRuntimeTest.state(host, "x1").get("status").asText(), "the failures did not touch it");
            assertEquals(0, run(host, "kill", "x1", "KILL").exit());
            awaitStatus(host, "x1", "stopped");
            TestHost.Result stopped = run(host, "exec", "x1", "true");
            assertEquals(255, stopped.exit());
            assertEquals("contain-oci: x1: exec: cannot exec in a stopped container\n", stopped.err());
            assertEquals(0, run(host, "delete", "x1").exit());
        }
    }

    /** exec --preserve-fds N: the caller's descriptors 3..3+N-1 reach the process, open; without it, none of them. */
    @Test
    void preservedDescriptorsReachAnExecdProcess() throws Exception {
        try (TestHost host = new TestHost()) {
            Path out = host.dir.resolve("out");
            started(host, "xf", "echo up; while :; do sleep 0.1; done", out);
            awaitText(out, "up");
            Path in = host.dir.resolve("in");
            Files.writeString(in, "through fd 3\n");
            for (String preserve : List.of("1", "0")) {
                StringBuilder cmd = new StringBuilder("exec 3<" + in + "; exec");
                for (String a : OciRuntimeTest.oci(host, "exec", "--preserve-fds", preserve, "xf", "sh", "-c", "cat <&3; ls /proc/self/fd")) {
                    cmd.append(" '").append(a).append('\'');
                }
                TestHost.Result r = host.run(new ProcessBuilder("sh", "-c", cmd.toString()));
                if (preserve.equals("1")) {
                    assertEquals(0, r.exit(), r.err());
                    assertEquals("through fd 3\n0\n1\n2\n3\n4\n", r.out()); // 4: ls's own, of /proc/self/fd
                } else {
                    assertEquals(0, r.exit(), "ls runs after cat fails: " + r.err());
                    assertEquals("0\n1\n2\n3\n", r.out(), "no descriptor of the caller's passed: 3 is ls's own");
                }
            }
            TestHost.Result bad = run(host, "exec", "--preserve-fds", "x", "xf", "true");
            assertEquals(255, bad.exit());
            assertEquals("contain-oci: xf: exec: --preserve-fds x: not a number of descriptors (0 to 1024)\n", bad.err());
            assertEquals(0, run(host, "delete", "--force", "xf").exit());
            host.assertNothingLeft();
        }
    }

    @Test
    void aProcessFileIsTheWholeProcess() throws Exception {
        try (TestHost host = new TestHost()) {
            Path out = host.dir.resolve("out");
            started(host, "x2", "while :; do sleep 0.1; done", out);
            ObjectNode p = JSON.createObjectNode();
            p.putArray("args").add("sh").add("-c").add("echo $ONLY $PATH; id; umask; ulimit -Sn; ulimit -Hn; pwd; "
                    + "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; exit 6");
            p.putArray("env").add("ONLY=this").add("PATH=/bin");
            p.put("cwd", "/etc");
            ObjectNode user = p.putObject("user").put("uid", 1000).put("gid", 1001).put("umask", 077);
            user.putArray("additionalGids").add(5).add(6);
            p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("soft", 100).put("hard", 200);
            ObjectNode caps = p.putObject("capabilities"); // ambient: a user's capabilities outlive its exec
            for (String set : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
                caps.putArray(set).add("CAP_CHOWN");
            }
            p.put("noNewPrivileges", false);
            Path file = host.dir.resolve("process.json");
            Files.writeString(file, p.toString());
            TestHost.Result r = run(host, "exec", "--process", file.toString(), "x2");
            assertEquals(6, r.exit(), r.err());
            assertEquals("this /bin\nuid=1000 gid=1001 groups=5(tty),6\n0077\n100\n200\n/etc\nCapEff:\t0000000000000001\nNoNewPrivs:\t0\n",
                    r.out());
            TestHost.Result both = run(host, "exec", "--process", file.toString(), "x2", "true");
            assertEquals(255, both.exit());
            assertTrue(both.err().contains("is the whole process: give no command"), both.err());
            p.put("cwd", "etc");
            Files.writeString(file, p.toString());
            TestHost.Result relative = run(host, "exec", "--process", file.toString(), "x2");
            assertEquals(255, relative.exit());
            assertEquals("contain-oci: x2: process.json: cwd: not an absolute path: etc\n", relative.err());
            assertEquals(0, run(host, "delete", "--force", "x2").exit());
        }
    }

    @Test
    void detachedExecWritesThePidFileAndLeavesTheProcessToTheCaller() throws Exception {
        try (TestHost host = new TestHost()) {
            Path out = host.dir.resolve("out");
            started(host, "x3", "while :; do sleep 0.1; done", out);
            long pid1 = OciRuntimeTest.state(host, "x3").get("pid").asLong();
            Path pidFile = host.dir.resolve("exec.pid");
            // its stdio is exec's (files here: a pipe would stay open as long as it runs)
            Path execOut = host.dir.resolve("exec.out");
            Process p = new ProcessBuilder(OciRuntimeTest.oci(host, "exec", "--detach", "--pid-file", pidFile.toString(), "x3", "sh", "-c",
                    "sleep 1; echo late")).redirectOutput(execOut.toFile()).redirectErrorStream(true).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(execOut));
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            assertEquals("", Files.readString(execOut), "exec returned before the process ended");
            assertTrue(Files.exists(Path.of("/proc", Long.toString(pid))), "it runs after exec returned");
            assertEquals(ns(pid1, "pid"), ns(pid, "pid"));
            assertEquals(Files.readString(Path.of("/proc", Long.toString(pid1), "cgroup")), Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")));
            assertFalse(parentCommand(pid).contains("contain"), "no contain process stays: " + parentCommand(pid));
            awaitText(execOut, "late\n");
            Path missingPid = host.dir.resolve("missing.pid");
            TestHost.Result missing = run(host, "exec", "-d", "--pid-file", missingPid.toString(), "x3", "nosuch");
            assertEquals(255, missing.exit());
            assertEquals("contain-oci: x3: exec \"nosuch\": No such file or directory\n", missing.err());
            assertFalse(Files.exists(missingPid), "no pid file for a process that did not start");
            // a detached exec still running when the container is deleted goes with it
            assertEquals(0, run(host, "exec", "-d", "--pid-file", pidFile.toString(), "x3", "sh", "-c", "exec sleep 60 >/dev/null 2>&1").exit());
            assertEquals(0, run(host, "delete", "--force", "x3").exit());
        }
    }

    /** The test's end of --console-socket: a listening unix socket, and the descriptor a connection sends (SCM_RIGHTS). */
    static final class ConsoleSocket implements AutoCloseable {
        interface C extends com.sun.jna.Library {
            int socket(int domain, int type, int protocol);

            int bind(int fd, byte[] address, int length);

            int listen(int fd, int backlog);

            int accept(int fd, Pointer address, Pointer length);

            long recvmsg(int fd, Pointer message, int flags);

            int close(int fd);
        }

        private static final C LIBC = com.sun.jna.Native.load("c", C.class);
        final Path path;
        private final int fd;

        ConsoleSocket(Path path) {
            this.path = path;
            fd = LIBC.socket(1, 1 | 02000000, 0); // AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC
            byte[] address = new byte[110]; // struct sockaddr_un
            address[0] = 1;
            byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
            System.arraycopy(p, 0, address, 2, p.length);
            assertTrue(fd >= 0 && LIBC.bind(fd, address, address.length) == 0 && LIBC.listen(fd, 1) == 0, "listen on " + path);
        }

        /** The descriptor the next connection sends (x86-64's struct msghdr, iovec and cmsghdr). */
        int receive() {
            int conn = LIBC.accept(fd, null, null);
            assertTrue(conn >= 0, "accept");
            Memory data = new Memory(4096);
            Memory iov = new Memory(16);
            iov.setPointer(0, data);
            iov.setLong(8, data.size());
            Memory control = new Memory(24); // CMSG_SPACE(sizeof(int))
            control.clear();
            Memory msg = new Memory(56);
            msg.clear();
            msg.setPointer(16, iov);
            msg.setLong(24, 1);
            msg.setPointer(32, control);
            msg.setLong(40, control.size());
            long n = LIBC.recvmsg(conn, msg, 02000000); // MSG_CMSG_CLOEXEC
            LIBC.close(conn);
            assertTrue(n > 0, "recvmsg");
            assertEquals(1, control.getInt(8), "SOL_SOCKET");
            assertEquals(1, control.getInt(12), "SCM_RIGHTS");
            return control.getInt(16);
        }

        @Override
        public void close() throws IOException {
            LIBC.close(fd);
            Files.deleteIfExists(path);
        }
    }

    @Test
    void theConsoleSocketReceivesThePtyMadeInsideTheContainer() throws Exception {
        try (TestHost host = new TestHost(); ConsoleSocket socket = new ConsoleSocket(host.dir.resolve("console.sock"))) {
            Path bundle = bundle(host, "b-x4", "unused");
            ObjectNode c = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            ObjectNode process = c.with("process");
            process.putArray("args").add("sh");
            process.put("terminal", true);
            process.putObject("consoleSize").put("height", 30).put("width", 100);
            Files.writeString(bundle.resolve("config.json"), c.toString());
            Path out = host.dir.resolve("out");
            TestHost.Result refused = run(host, "create", "--bundle", bundle.toString(), "x4");
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("a terminal (process.terminal, --tty) without --console-socket"), refused.err());
            assertEquals(0, create(host, out, out, "--bundle", bundle.toString(), "--console-socket", socket.path.toString(), "x4"),
                    Files.readString(out));
            try (ExecTest.Pty console = ExecTest.Pty.adopt(socket.receive())) {
                assertEquals(0, run(host, "start", "x4").exit());
                console.write("tty; stty size; echo $$\n");
                console.await("/dev/pts/0\r\n30 100\r\n1\r\n"); // its own devpts, sized by consoleSize, the shell is PID 1
                TestHost.Result exec = run(host, "exec", "-d", "-t", "--console-socket", socket.path.toString(), "--pid-file",
                        host.dir.resolve("exec.pid").toString(), "x4", "sh");
                assertEquals(0, exec.exit(), exec.err());
                try (ExecTest.Pty second = ExecTest.Pty.adopt(socket.receive())) {
                    second.write("tty; exit 3\n");
                    second.await("/dev/pts/1\r\n");
                }
                assertFalse(parentCommand(Long.parseLong(Files.readString(host.dir.resolve("exec.pid")).trim())).contains("contain"));
                TestHost.Result noTerminal = run(host, "exec", "-d", "--console-socket", socket.path.toString(), "x4", "true");
                assertEquals(255, noTerminal.exit());
                assertTrue(noTerminal.err().contains("--console-socket without a terminal"), noTerminal.err());
                TestHost.Result noSocket = run(host, "exec", "-d", "-t", "x4", "sh");
                assertEquals(255, noSocket.exit());
                assertTrue(noSocket.err().contains("without --console-socket"), noSocket.err());
                console.write("exit 5\n");
                awaitStatus(host, "x4", "stopped");
            }
            assertEquals("", Files.readString(out), "the command's output went to the pty, not to create's stdio");
            assertEquals(0, run(host, "delete", "x4").exit());
            // run (in the foreground) relays the pty to its own terminal, as runc run; a console socket needs a detached command
            try (ExecTest.Pty pty = ExecTest.Pty.open(25, 90)) {
                Process p = pty.start(new ProcessBuilder(OciRuntimeTest.oci(host, "run", "--bundle", bundle.toString(), "x5")));
                pty.await("# ");
                pty.write("tty; stty size; exit 4\r");
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(4, p.exitValue(), pty.output());
                pty.await("/dev/pts/0\r\n25 90\r\n"); // the caller's terminal's size, copied to the pty
            }
            TestHost.Result runSocket = run(host, "run", "--bundle", bundle.toString(), "--console-socket", socket.path.toString(), "x6");
            assertEquals(1, runSocket.exit());
            assertTrue(runSocket.err().contains("--console-socket without --detach"), runSocket.err());
        }
    }

    /** podman as the caller: its exec (conmon runs exec --detach --process, with -t a console socket) and run -it. */
    @Test
    void podmanExecsIntoItsContainersAndRunsThemWithATerminal() throws Exception {
        ImageTest.assumeTools("podman", "conmon");
        try (TestHost host = new TestHost()) {
            Path runroot = Files.createTempDirectory(Path.of("/tmp"), "oci-"); // podman takes at most 50 characters
            List<String> podman = OciRuntimeTest.podman(host, runroot);
            List<String> limits = List.of("--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024");
            try {
                assertEquals(0, OciRuntimeTest.exec(podman, List.of("import", TestHost.busybox().toString(), "localhost/oci-busybox:1")).exit());
                List<String> detached = new ArrayList<>(List.of("run", "-d", "--name", "oci-x"));
                detached.addAll(limits);
                detached.addAll(List.of("localhost/oci-busybox:1", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"));
                assertEquals(0, OciRuntimeTest.exec(podman, detached).exit());
                TestHost.Result hi = OciRuntimeTest.exec(podman, List.of("exec", "-e", "X=1", "oci-x", "sh", "-c", "echo hi $X; exit 3"));
                assertEquals(3, hi.exit(), hi.err());
                assertEquals("hi 1\n", hi.out());
                TestHost.Result missing = OciRuntimeTest.exec(podman, List.of("exec", "oci-x", "nosuch"));
                assertEquals(127, missing.exit(), missing.err()); // podman reads "No such file or directory" in the runtime's error
                TestHost.Result tty = OciRuntimeTest.exec(podman, List.of("exec", "-t", "oci-x", "sh", "-c", "tty; exit 2"));
                assertEquals(2, tty.exit(), tty.err()); // an early end is handed to conmon with its status
                assertEquals("/dev/pts/0\r\n", tty.out());
                try (ExecTest.Pty pty = ExecTest.Pty.open(24, 80)) {
                    List<String> it = new ArrayList<>(podman);
                    it.addAll(List.of("run", "--rm", "-it"));
                    it.addAll(limits);
                    it.addAll(List.of("localhost/oci-busybox:1", "sh", "-c", "tty; stty size; read line; echo got $line; exit 4"));
                    Process p = pty.start(new ProcessBuilder(it));
                    pty.await("/dev/pts/0\r\n24 80\r\n");
                    pty.write("typed\r");
                    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                    assertEquals(4, p.exitValue(), pty.output());
                    pty.await("got typed\r\n");
                }
                assertEquals(0, OciRuntimeTest.exec(podman, List.of("stop", "-t", "10", "oci-x")).exit());
                assertEquals(0, OciRuntimeTest.exec(podman, List.of("rm", "oci-x")).exit());
                assertEquals("", OciRuntimeTest.exec(podman, List.of("ps", "-aq")).out());
            } finally {
                OciRuntimeTest.cleanUpPodman(podman, runroot);
            }
        }
    }
}
