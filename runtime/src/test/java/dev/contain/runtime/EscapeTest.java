package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile images and layers: a symlink in the container's tree that points at a host folder must never
 * make the init create or mount anything there. Every mount target is resolved inside the container's root
 * (as the container would see it), so the run either works inside the root or fails cleanly.
 */
class EscapeTest {
    private Path hostDir;

    @BeforeEach
    void hostFolder() throws Exception {
        hostDir = Files.createTempDirectory("contain-escape-host-");
    }

    @AfterEach
    void hostFolderStaysEmpty() throws Exception {
        try (Stream<Path> s = Files.list(hostDir)) {
            assertEquals(List.of(), s.toList(), "the init made something in the host folder " + hostDir);
        }
        Files.delete(hostDir);
    }

    private static final String MOUNTS = "mounts:\n  - {type: tmpfs, target: /data/x}\n  - {source: ./conf, target: /data/conf, readOnly: true}\n";
    // the kernel names a mount by its real path: /data/x is HOSTDIR/x inside the container
    private static final String SHOW = "command: [sh, -c, 'grep -c \" $0/x tmpfs \" /proc/mounts; cat /data/conf; ls \"$0\"', %s]\n";

    private Path spec(TestHost host, String extra) throws Exception {
        Files.writeString(host.dir.resolve("conf"), "from the spec\n");
        return host.spec("hostile", "image: busybox\n" + MOUNTS + extra + String.format(SHOW, hostDir));
    }

    /** The same absolute path in the image: the mounts land there, inside the container's root. */
    @Test
    void anAbsoluteSymlinkInTheImageResolvesInsideTheRoot() throws Exception {
        try (TestHost host = new TestHost()) {
            Files.createSymbolicLink(host.imageRootfs().resolve("data"), hostDir);
            Files.createDirectories(host.imageRootfs().resolve(hostDir.toString().substring(1)));
            Result r = host.run("run", "-q", spec(host, "").toString());
            assertEquals(0, r.exit(), r.err());
            // the tmpfs is at /data/x, the file bound, both inside the container's own copy of the folder
            assertEquals("1\nfrom the spec\nconf\nx\n", r.out());
        }
    }

    @Test
    void aSymlinkInALayerClimbingOutResolvesInsideTheRoot() throws Exception {
        try (TestHost host = new TestHost()) {
            Path layer = Files.createDirectories(host.dir.resolve("layer"));
            Files.createSymbolicLink(layer.resolve("data"), Path.of("../../../../../../../../../../.." + hostDir));
            Files.createDirectories(layer.resolve(hostDir.toString().substring(1)));
            Result r = host.run("run", "-q", spec(host, "layers: [./layer]\n").toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("1\nfrom the spec\nconf\nx\n", r.out());
        }
    }

    /** Nowhere inside the root: the init does not make the symlink's target; it says so and the run ends. */
    @Test
    void aSymlinkToAPathMissingInTheContainerFailsCleanly() throws Exception {
        try (TestHost host = new TestHost()) {
            Files.createSymbolicLink(host.imageRootfs().resolve("data"), hostDir);
            Result r = host.run("run", "-q", spec(host, "").toString());
            assertEquals(125, r.exit(), r.err());
            assertEquals("contain: hostile: setup: mkdir /data/x: /data is a symlink to a path missing in the container\n", r.err());
            host.assertNothingLeft();
        }
    }

    /** /proc/self/root inside the container is still the host's root before pivot_root: magic links are refused. */
    @Test
    void aSymlinkThroughProcMagicLinksIsRefused() throws Exception {
        try (TestHost host = new TestHost()) {
            Files.createSymbolicLink(host.imageRootfs().resolve("data"), Path.of("/proc/self/root" + hostDir));
            Result r = host.run("run", "-q", spec(host, "").toString());
            assertEquals(125, r.exit(), r.err());
            assertTrue(r.err().startsWith("contain: hostile: setup: mkdir /data/x: "), r.err());
            assertTrue(r.err().endsWith(": Symbolic link loop\n"), r.err()); // musl's text for ELOOP
            assertFalse(r.err().contains(host.dataRoot.toString()), "errors name container paths: " + r.err());
        }
    }

    /** A file bind through a symlink: the empty file to bind onto is made inside the root, not on the host. */
    @Test
    void aFileTargetThroughASymlinkIsCreatedInsideTheRoot() throws Exception {
        try (TestHost host = new TestHost()) {
            Files.createSymbolicLink(host.imageRootfs().resolve("etc/evil"), hostDir.resolve("planted"));
            Files.createDirectories(host.imageRootfs().resolve(hostDir.toString().substring(1)));
            Files.writeString(host.dir.resolve("conf"), "bound\n");
            Path spec = host.spec("file", "image: busybox\nmounts: [{source: ./conf, target: /etc/evil}]\n"
                    + "command: [sh, -c, 'cat /etc/evil; ls \"$0\"', " + hostDir + "]\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("bound\nplanted\n", r.out());
        }
    }
}
