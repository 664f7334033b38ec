package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.runtime.init.InitProcess;
import dev.contain.runtime.kernel.EmbeddedBinary;
import dev.contain.runtime.kernel.LinuxKernel;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
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
    void failureLinesNameTheirKindErrnoAndStage() {
        var exec = InitProcess.Failure.parse("error exec 2 exec \"pyhton3\": No such file or directory");
        assertEquals(new InitProcess.Failure("exec", 2, "exec \"pyhton3\": No such file or directory"), exec);
        var cgroup = InitProcess.Failure.parse("error cgroup 13 open /sys/fs/cgroup/pids/contain/web/tasks: Permission denied");
        assertEquals("cgroup", cgroup.stage("namespaces"));
        assertEquals("setup", InitProcess.Failure.parse("error setup 22 clone: Invalid argument").stage("namespaces"));
        assertEquals("start", exec.stage("start"));
        assertEquals(new InitProcess.Failure("setup", 0, "something else"), InitProcess.Failure.parse("something else"));
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
        ByteArrayOutputStream plan = new ByteArrayOutputStream();
        List<String> command = new java.util.ArrayList<>(List.of("argv"));
        command.addAll(List.of(argv));
        for (List<String> entry : List.of(List.of("version", "2"), List.of("clone", "0"), cgroupEntry, command,
                List.of("cwd", "/"), List.of("user", "0", "0"))) {
            for (int i = 0; i < entry.size(); i++) {
                plan.writeBytes(entry.get(i).getBytes(StandardCharsets.UTF_8));
                plan.write(0);
                if (i == 0) {
                    plan.writeBytes(Integer.toString(entry.size() - 1).getBytes(StandardCharsets.UTF_8));
                    plan.write(0);
                }
            }
        }
        toInit.write(("plan 2 " + plan.size() + "\n").getBytes(StandardCharsets.US_ASCII));
        toInit.write(plan.toByteArray());
        toInit.flush();
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
