package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.runtime.kernel.EmbeddedBinary;
import dev.contain.runtime.kernel.LinuxKernel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The native init on its own: the failures it must report before any container exists. */
class InitProtocolTest {
    private Path tmp;
    private Path init;

    @BeforeEach
    void extract() throws Exception {
        tmp = Files.createTempDirectory("contain-init-test-");
        init = EmbeddedBinary.CONTAIN_INIT.ensure(tmp);
    }

    @AfterEach
    void clean() throws Exception {
        LinuxKernel.INSTANCE.deleteTree(tmp);
    }

    /** Starts the init as the engine does (control pipes on stdin and stdout), naming {@code engine}. */
    private Process start(long engine) throws Exception {
        return new ProcessBuilder(init.toString(), Long.toString(engine)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String firstLine(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out.lines().findFirst().orElse("");
    }

    @Test
    void takesStdioOnlyFromItsOwnParent() throws Exception {
        // pid 1 is not its parent: a reused pid must never lend the init someone else's files
        Process p = start(1);
        p.getOutputStream().close();
        assertEquals("error setup 3 take the engine's stdin and stdout (pidfd_getfd): No such process", firstLine(p));
        assertEquals(125, p.exitValue());
    }

    @Test
    void anEngineThatGivesUpBeforeThePlanEndsItQuietly() throws Exception {
        Process p = start(ProcessHandle.current().pid());
        p.getOutputStream().close();
        assertEquals("", firstLine(p));
        assertEquals(125, p.exitValue());
    }

    /** A plan without namespaces that runs {@code argv} on the host: entries of key, count, fields. */
    private static void sendPlan(OutputStream toInit, List<String> cgroupEntry, String... argv) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("argv"));
        command.addAll(List.of(argv));
        sendPlan(toInit, 2, List.of(List.of("version", "2"), List.of("clone", "0"), cgroupEntry, command,
                List.of("cwd", "/"), List.of("user", "0", "0")));
    }

    /** Each entry a key and its fields, as InitCodec writes them, after a "plan VERSION LENGTH" header. */
    private static void sendPlan(OutputStream toInit, int version, List<List<String>> entries) throws Exception {
        byte[] plan = dev.contain.runtime.init.InitCodec.entries(entries);
        toInit.write(("plan " + version + " " + plan.length + "\n").getBytes(StandardCharsets.US_ASCII));
        toInit.write(plan);
        toInit.flush();
    }

    /** The first line the init answers to a plan of {@code entries} (all but the header's version 2). */
    private String answer(int version, List<List<String>> entries) throws Exception {
        Process p = start(ProcessHandle.current().pid());
        try (OutputStream toInit = p.getOutputStream()) {
            sendPlan(toInit, version, entries);
        }
        String line = firstLine(p);
        assertEquals(125, p.exitValue(), line);
        return line;
    }

    private static List<List<String>> with(List<String>... extra) {
        List<List<String>> entries = new java.util.ArrayList<>(List.of(List.of("version", "2"), List.of("clone", "0"), List.of("argv", "/bin/true")));
        entries.addAll(List.of(extra));
        return entries;
    }

    /** A skipped entry would fail open once entries carry security: the init refuses what it does not understand. */
    @Test
    @SuppressWarnings("unchecked")
    void refusesAnEntryItDoesNotKnowOrCannotRead() throws Exception {
        String root = tmp.toString();
        assertEquals("error setup 22 plan entry \"frobnicate\": unknown to this init (plan version 2)",
                answer(2, with(List.of("frobnicate"))));
        assertEquals("error setup 22 plan entry \"caps\": 4 fields, expected 5", answer(2, with(List.of("caps", "0", "0", "0", "0"))));
        assertEquals("error setup 22 plan entry \"mount\": 4 fields, expected 5",
                answer(2, with(List.of("rootfs", root), List.of("mount", "", "/x", "", "0"))));
        assertEquals("error setup 22 plan entry \"clone\": field 1 \"12x\" is not a decimal number",
                answer(2, List.of(List.of("version", "2"), List.of("clone", "12x"), List.of("argv", "/bin/true"))));
        assertEquals("error setup 22 plan entry \"mkdir\": field 2 \"999\" is not an octal number",
                answer(2, with(List.of("rootfs", root), List.of("mkdir", "/x", "999"))));
        assertEquals("error setup 22 plan entry \"user\": field 1 \"4294967295\" is not a decimal number in range",
                answer(2, with(List.of("user", "4294967295", "0"))));
        assertEquals("error setup 22 plan entry \"mount\": field 2 \"data\" is not an absolute path",
                answer(2, with(List.of("rootfs", root), List.of("mount", "", "data", "", "0", ""))));
        assertEquals("error setup 22 plan entry \"mkdir\": a container path, and the plan has no rootfs entry",
                answer(2, with(List.of("mkdir", "/x", "755"))));
        assertEquals("error setup 22 plan entry \"seccomp\": field 2 has \"FF\" at offset 0, not lowercase hex",
                answer(2, with(List.of("seccomp", "0", "FF00000000000000"))));
        assertEquals("error setup 22 plan entry \"seccomp\": the program is 6 hex digits, not 1 to 4096 instructions of 8 bytes",
                answer(2, with(List.of("seccomp", "0", "060000"))));
        assertEquals("error setup 22 plan entry \"rlimit\": soft limit 10 above the hard limit 5", answer(2, with(List.of("rlimit", "7", "10", "5"))));
        assertEquals("error setup 22 plan entry \"argv\": given twice", answer(2, with(List.of("argv", "/bin/false"))));
        assertEquals("error setup 22 plan entry \"version\": version 1, this init speaks 2",
                answer(2, List.of(List.of("version", "1"), List.of("argv", "/bin/true"))));
        assertEquals("error setup 22 plan entry \"argv\": missing", answer(2, List.of(List.of("version", "2"))));
        assertEquals("error setup 71 plan version 1, this init speaks 2", answer(1, with()));
        // the OCI front end's entries: umask, exec_fifo, and the write operation
        assertEquals("error setup 22 plan entry \"umask\": field 1 \"1000\" is not an octal number in range", answer(2, with(List.of("umask", "1000"))));
        assertEquals("error setup 22 plan entry \"exec_fifo\": field 1 \"fifo\" is not an absolute path", answer(2, with(List.of("exec_fifo", "fifo"))));
        assertEquals("error setup 22 plan entry \"write\": 1 fields, expected 2",
                answer(2, with(List.of("rootfs", root), List.of("write", "/proc/sys/x"))));
        assertEquals("error setup 22 plan entry \"write\": a container path, and the plan has no rootfs entry",
                answer(2, with(List.of("write", "/proc/sys/x", "1"))));
    }

    /**
     * A plan whose new root is a shared mount (a bind of the folder onto itself, made shared in the container's
     * private namespace): pivot_root refuses it with EINVAL, as it refuses an initramfs root.
     */
    private List<String> pivotIntoAFolder(boolean chrootFallback) throws Exception {
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        TestHost.exec(List.of("tar", "--extract", "--file", TestHost.busybox().toString(), "--directory", rootfs.toString()));
        List<List<String>> entries = new java.util.ArrayList<>(with(List.of("clone", "131072"), List.of("rootfs", rootfs.toString()),
                List.of("make_private"), List.of("mount", rootfs.toString(), "/", "", "4096", ""), List.of("mount", "", "/", "", "1048576", ""),
                List.of("pivot_root", "/")));
        entries.remove(1); // the first clone entry: this one has a mount namespace
        if (chrootFallback) {
            entries.add(List.of("chroot_fallback"));
        }
        Process p = start(ProcessHandle.current().pid());
        BufferedReader fromInit = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new java.util.ArrayList<>();
        try (OutputStream toInit = p.getOutputStream()) {
            sendPlan(toInit, 2, entries);
            assertTrue(fromInit.readLine().startsWith("pid "));
            toInit.write("go\n".getBytes(StandardCharsets.US_ASCII));
            toInit.flush();
            for (String l; (l = fromInit.readLine()) != null; ) {
                lines.add(l);
            }
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return lines;
    }

    @Test
    void pivotRootFailsTheRunUnlessThePlanAllowsChroot() throws Exception {
        assertEquals(List.of("error setup 22 pivot_root /: Invalid argument (not a mount point, or the host's root is an initramfs; "
                + "the plan allows no chroot)", "exit code 125"), pivotIntoAFolder(false));
        LinuxKernel.INSTANCE.deleteTree(tmp.resolve("rootfs"));
        assertEquals(List.of("started", "exit code 0"), pivotIntoAFolder(true));
    }

    @Test
    void aCgroupItCannotOpenIsReportedBeforeAnyContainerExists() throws Exception {
        Process p = start(ProcessHandle.current().pid());
        try (OutputStream toInit = p.getOutputStream()) {
            sendPlan(toInit, List.of("cgroup_join", tmp + "/nowhere/tasks"), "/bin/true");
        }
        assertEquals("error cgroup 2 open " + tmp + "/nowhere/tasks: No such file or directory", firstLine(p));
        assertEquals(125, p.exitValue());
    }

    @Test
    void onCgroupV2TheProcessIsBornInItsCgroup() throws Exception {
        // placement needs no controllers: this hybrid machine's v2 tree (without them) shows CLONE_INTO_CGROUP
        CgroupLayout.Hierarchy v2 = CgroupLayout.detect().v2();
        assumeTrue(v2 != null, "no cgroup v2 tree here");
        Path cgroup = Files.createDirectory(v2.engineDir().resolve("contain-test-" + ProcessHandle.current().pid()));
        try {
            Path seen = tmp.resolve("cgroup");
            Process p = start(ProcessHandle.current().pid());
            BufferedReader fromInit = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            try (OutputStream toInit = p.getOutputStream()) {
                sendPlan(toInit, List.of("clone_into_cgroup", cgroup.toString()), "/bin/sh", "-c", "cat /proc/self/cgroup > " + seen);
                assertTrue(fromInit.readLine().startsWith("pid "));
                toInit.write("go\n".getBytes(StandardCharsets.US_ASCII));
                toInit.flush();
                assertEquals("started", fromInit.readLine());
                assertEquals("exit code 0", fromInit.readLine());
            }
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            String relative = "/" + v2.mountPoint().relativize(cgroup);
            assertTrue(Files.readAllLines(seen).contains("0::" + relative), Files.readString(seen));
        } finally {
            for (int attempt = 0; Files.exists(cgroup) && attempt < 100; attempt++) {
                try {
                    Files.delete(cgroup); // EBUSY while its last process is still leaving
                } catch (java.io.IOException e) {
                    Thread.sleep(10);
                }
            }
        }
    }
}
