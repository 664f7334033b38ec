package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.cgroup.CgroupLayout;
import java.nio.file.Files;
import java.util.List;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** cgroup limits on the real kernel (v1 on this machine): memory with OOM, CPU share, pids, seen inside. */
class LimitsTest {
    /** Doubles a string 27 times: a 128 MiB string, and the copies made on the way. */
    static final String ALLOCATE = "command: [awk, 'BEGIN{s=\"x\"; for(i=0;i<27;i++) s = s s; print length(s)}']\n";

    @Test
    void pastTheMemoryLimitTheKernelKillsItAndTheEngineSaysSo() throws Exception {
        try (TestHost host = new TestHost()) {
            Path tight = host.spec("oom", "image: busybox\nresources: { memory: 64Mi }\n" + ALLOCATE);
            Result r = host.run("run", "-q", tight.toString());
            assertEquals(137, r.exit(), r.err());
            assertEquals("contain: oom: killed by the kernel: out of memory (limit 64Mi)\n", r.err());
            Path roomy = host.spec("roomy", "image: busybox\nresources: { memory: 1Gi }\n" + ALLOCATE);
            Result ok = host.run("run", "-q", roomy.toString());
            assertEquals(0, ok.exit(), ok.err());
            assertEquals("134217728\n", ok.out());
        }
    }

    @Test
    void aBusyLoopAt20PercentGetsAboutAFifthOfTheCpuItGetsAt100() throws Exception {
        try (TestHost host = new TestHost()) {
            // init: true, so timeout's signal reaches the loop (PID 1 ignores signals it has no handler for)
            Path spec = host.spec("busy", "image: busybox\ninit: true\ncommand: [timeout, 2, sh, -c, 'while :; do :; done']\n");
            double full = cpuSeconds(host.run("run", "-q", "--stats", "--cpu", "100%", spec.toString()));
            double fifth = cpuSeconds(host.run("run", "-q", "--stats", "--cpu", "20%", spec.toString()));
            double ratio = fifth / full;
            assertTrue(full > 1.0, "at 100% the loop runs most of 2 s: " + full);
            assertTrue(ratio > 0.10 && ratio < 0.35, "20% / 100% = " + ratio + " (" + fifth + " s / " + full + " s)");
        }
    }

    private static double cpuSeconds(Result r) {
        Matcher m = Pattern.compile("stats: cpu ([0-9.]+) s, peak memory [0-9.]+ MiB, (not throttled|throttled \\d+ times)").matcher(r.err());
        assertTrue(m.find(), r.err());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aForkLoopStopsAtThePidsLimit() throws Exception {
        try (TestHost host = new TestHost()) {
            // the loop runs in a subshell (ash exits when a fork fails); shell builtins read the count, no fork needed
            String loop = "command: [sh, -c, '( i=0; while [ $i -lt 30 ]; do sleep 10 & i=$((i+1)); done ) 2>/dev/null || echo fork failed; "
                    + "read n < /sys/fs/cgroup/%s; echo $n']\n";
            String current = dev.contain.runtime.cgroup.CgroupLayout.detect().usesV2() ? "pids.current" : "pids/pids.current";
            Result r = host.run("run", "-q", host.spec("forks", "image: busybox\nresources: { pids: 10 }\n" + loop.formatted(current)).toString());
            assertEquals(0, r.exit(), r.err());
            String[] lines = r.out().split("\n");
            assertEquals("fork failed", lines[0]);
            int tasks = Integer.parseInt(lines[1].trim());
            assertTrue(tasks <= 10 && tasks >= 8, "tasks inside: " + tasks);
            Result unlimited = host.run("run", "-q", host.spec("forks2", "image: busybox\n" + loop.formatted(current)).toString());
            assertEquals("31\n", unlimited.out(), "without the limit all 30 start: " + unlimited.err());
        }
    }

    @Test
    void limitsAreReadableInside() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "../examples/lab-cgroups.yaml");
            assertEquals(0, r.exit(), r.err());
            boolean v2 = dev.contain.runtime.cgroup.CgroupLayout.detect().usesV2();
            String expected = v2 ? "limits seen inside:\n  memory.max: 67108864\n  cpu.max: 50000 100000\n  pids.max: 64\n"
                    : "limits seen inside:\n  memory/memory.limit_in_bytes: 67108864\n  cpu/cpu.cfs_quota_us: 50000\n"
                    + "  cpu/cpu.cfs_period_us: 100000\n  pids/pids.max: 64\n";
            assertEquals(expected, r.out());
        }
    }

    @Test
    void theCgroupNamespaceShowsTheContainerAtItsRoot() throws Exception {
        try (TestHost host = new TestHost()) {
            CgroupLayout layout = CgroupLayout.detect();
            boolean v2 = layout.usesV2();
            // the line of the hierarchy that holds the memory limit, without its v1 hierarchy number
            String line = v2 ? "grep ^0:: /proc/self/cgroup" : "grep :memory: /proc/self/cgroup | cut -d: -f2-";
            Result r = host.run("run", "-q", "--name", "cgns", "--image", "busybox", "--memory", "32Mi", "--", "sh", "-c", line);
            assertEquals(0, r.exit(), r.err());
            assertEquals(v2 ? "0::/\n" : "memory:/\n", r.out());
            // the control: without a cgroup namespace the same line shows the container's cgroup from the root
            Path spec = host.spec("nocgns", "image: busybox\nnamespaces: [user, uts, pid, net, mnt, ipc]\nresources: { memory: 32Mi }\n"
                    + "command: [sh, -c, '" + line + "']\n");
            Result control = host.run("run", "-q", spec.toString());
            assertEquals(0, control.exit(), control.err());
            String engine = v2 ? layout.v2().enginePath() : layout.v1().get("memory").enginePath();
            String parent = v2 ? engine.substring(0, engine.lastIndexOf('/')) : engine;
            assertEquals((v2 ? "0::" : "memory:") + (parent.equals("/") ? "" : parent) + "/contain/nocgns\n", control.out());
        }
    }

    /**
     * `ip netns exec` mounts a fresh /sys for its command, hiding the cgroup mounts: the engine mounts the
     * hierarchies again in that mount namespace, and the limits apply.
     */
    @Test
    void limitsWorkUnderIpNetnsExec() throws Exception {
        try (TestHost host = new TestHost(true)) {
            List<String> ipNetnsExec = List.of("ip", "netns", "exec", host.netns);
            Process probe = new ProcessBuilder(List.of("ip", "netns", "exec", host.netns, "grep", "-c", " - cgroup", "/proc/self/mountinfo")).start();
            assertEquals("0\n", new String(probe.getInputStream().readAllBytes()), "the control: no cgroup filesystem there");
            probe.waitFor();
            boolean v2 = CgroupLayout.detect().usesV2();
            String file = v2 ? "memory.max" : "memory/memory.limit_in_bytes";
            Result r = host.run(host.cli(ipNetnsExec, "run", "--name", "netnsexec", "--memory", "32Mi", "--image", "busybox", "--",
                    "cat", "/sys/fs/cgroup/" + file));
            assertEquals(0, r.exit(), r.err());
            assertEquals("33554432\n", r.out());
            assertTrue(r.err().contains("no cgroup filesystem was mounted in this mount namespace (as under `ip netns exec`): mounted "),
                    r.err());
        }
    }

    @Test
    void aCgroupParentTheUserNamesHoldsTheContainerAndStays() throws Exception {
        try (TestHost host = new TestHost()) {
            String parent = host.cgroupParent();
            CgroupLayout layout = CgroupLayout.detect();
            CgroupLayout.Hierarchy memory = layout.usesV2() ? layout.v2() : layout.v1().get("memory");
            Path dir = memory.mountPoint().resolve(parent.substring(1)).resolve("custom");
            TestHost.Running run = host.start("run", "-q", "--name", "custom", "--cgroup-parent", parent, "--memory", "32Mi",
                    "--image", "busybox", "--", "sh", "-c", "echo ready; read x");
            run.awaitLine("ready");
            assertTrue(Files.isDirectory(dir), "the container's cgroup is in the parent named: " + dir);
            run.send("\n");
            assertEquals(0, run.finish().exit());
            assertTrue(Files.notExists(dir), "the container's cgroup goes");
            assertTrue(Files.isDirectory(dir.getParent()), "the parent the user named stays");
        }
    }

    @Test
    void aSecondInterruptKillsACommandThatIgnoresTheFirst() throws Exception {
        try (TestHost host = new TestHost()) {
            // a command that ignores SIGINT
            TestHost.Running run = host.start("run", "-q", "--image", "busybox", "--name", "stubborn", "--",
                    "sh", "-c", "trap '' INT; echo ready; while :; do sleep 0.05; done");
            run.awaitLine("ready");
            run.signal("INT");
            Thread.sleep(300);
            assertTrue(run.process.isAlive(), "the first Ctrl-C is only forwarded");
            run.signal("INT");
            Result r = run.finish();
            assertEquals(137, r.exit(), r.err());
            assertTrue(r.err().contains("contain: stubborn: signalled again: killing the container"), r.err());
        }
    }
}
