package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.kernel.LinuxKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The host operations teardown relies on, on the real kernel. */
class LinuxKernelTest {
    @Test
    void deleteTreeRemovesEverythingButFollowsNoSymlinkAndEntersNoMount() throws Exception {
        Path tmp = Files.createTempDirectory("contain-kernel-");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep");
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/file"), "x");
        Files.writeString(tree.resolve("a/file"), "x");
        Files.createDirectories(tree.resolve("empty"));
        Files.createSymbolicLink(tree.resolve("a/link"), outside);
        Path mount = Files.createDirectories(tree.resolve("m"));
        try {
            LinuxKernel.INSTANCE.deleteTree(tree.resolve("a"));
            assertTrue(Files.notExists(tree.resolve("a")));
            assertEquals("keep", Files.readString(outside.resolve("keep")), "a symlink is removed, not followed");

            assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "contain-test", mount.toString()).inheritIO().start().waitFor());
            try {
                Files.writeString(mount.resolve("inside"), "x");
                IOException refused = assertThrows(IOException.class, () -> LinuxKernel.INSTANCE.deleteTree(tree));
                assertTrue(refused.getMessage().contains("is a mount point"), refused.getMessage());
                assertTrue(Files.exists(mount.resolve("inside")), "nothing inside a mount is removed");
            } finally {
                assertEquals(0, new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor());
            }
            LinuxKernel.INSTANCE.deleteTree(tree);
            assertTrue(Files.notExists(tree));
            LinuxKernel.INSTANCE.deleteTree(tree); // gone already: nothing to do
        } finally {
            LinuxKernel.INSTANCE.deleteTree(tmp);
        }
    }
}
