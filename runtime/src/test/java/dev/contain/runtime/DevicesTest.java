package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.cgroup.DeviceFilter;
import dev.contain.runtime.cgroup.DeviceRule;
import dev.contain.runtime.kernel.LinuxKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A container uses only the devices /dev has. Probes are harmless: the allowed node is a second null
 * (1:3); the denied one (1:1, memory) is only opened for reading by the shell's redirection of `true`,
 * never read. (Not `:`, a special built-in: a failed redirection of it ends the shell.)
 */
class DevicesTest {
    static final String BUSYBOX = "image: busybox\n";

    @Test
    void aDefaultContainerCannotMakeDeviceNodes() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("mknod", BUSYBOX + "command: [sh, -c, 'mknod /tmp/null2 c 1 3 || echo refused']\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("refused\n", r.out(), "a user namespace cannot mknod");
            assertTrue(r.err().contains("Operation not permitted"), r.err());
            Path hostIds = host.spec("mknod-host", BUSYBOX + "users: host\ncommand: [sh, -c, 'mknod /tmp/null2 c 1 3 || echo refused']\n");
            Result h = host.run("run", "-q", hostIds.toString());
            assertEquals("refused\n", h.out(), "nor can one with the host's ids: " + h.err());
        }
    }

    @Test
    void withoutAUserNamespaceANodeCanBeMadeButOnlyDevNodesOpen() throws Exception {
        try (TestHost host = new TestHost()) {
            // no user namespace: the container's root is the host's, with every capability, and mknod works;
            // the device cgroup is what stands between it and the host's devices
            Path spec = host.spec("devices", BUSYBOX + """
                    namespaces: [uts, pid, net, mnt, ipc, cgroup]
                    command: [sh, -c, 'mknod /dev/null2 c 1 3 && echo x > /dev/null2 && echo null-opens;
                              mknod /dev/mem2 c 1 1 && { true < /dev/mem2 && echo MEM-OPENED || echo mem-refused; }']
                    """);
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("null-opens\nmem-refused\n", r.out());
            assertTrue(r.err().contains("Operation not permitted"), r.err());
        }
    }

    /** The v2 program on this machine's v2 tree (hybrid: no controllers there, but cgroup BPF needs none). */
    @Test
    void theCgroupV2DeviceProgramAllowsOnlyItsDevices() throws Exception {
        assumeTrue(TestHost.isRoot(), "needs root");
        var layout = dev.contain.runtime.cgroup.CgroupLayout.detect();
        assumeTrue(layout.v2() != null, "no cgroup v2 tree mounted");
        Path cgroup = layout.v2().mountPoint().resolve("contain-devtest-" + ProcessHandle.current().pid());
        Path dir = Files.createTempDirectory("contain-devtest-");
        try {
            Files.createDirectory(cgroup);
            LinuxKernel.INSTANCE.attachDeviceFilter(cgroup, DeviceFilter.program(DeviceRule.DEFAULT));
            TestHost.exec(List.of("mknod", dir.resolve("null2").toString(), "c", "1", "3"));
            TestHost.exec(List.of("mknod", dir.resolve("mem2").toString(), "c", "1", "1"));
            String out = TestHost.output(List.of("sh", "-c", "echo $$ > \"$1/cgroup.procs\" && cd \"$2\" && "
                    + "{ echo x > null2 && echo null-opens; true < mem2 && echo MEM-OPENED || echo mem-refused; "
                    + "mknod made c 1 1 && echo mknod-allowed; }", "sh", cgroup.toString(), dir.toString()));
            assertEquals(List.of("null-opens", "mem-refused", "mknod-allowed"), out.lines().filter(l -> !l.startsWith("sh:")).toList(), out);
            assertTrue(out.contains("mem2: Operation not permitted"), out);
        } finally {
            Files.deleteIfExists(cgroup); // empty again: the shell has exited
            TestHost.exec(List.of("rm", "-rf", dir.toString()));
        }
    }
}
