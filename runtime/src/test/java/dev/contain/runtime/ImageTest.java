package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.contain.runtime.OciLayouts.Entry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;

/** OCI layouts made by hand: whiteouts, metadata, escapes refused, 120 layers, image config defaults. */
class ImageTest {
    private static final String CONFIG = "{\"Env\":[\"GREETING=hi\",\"PATH=/bin\"],\"WorkingDir\":\"/o\",\"Cmd\":[\"sh\",\"-c\",\"echo $GREETING from $(pwd)\"]}";

    static List<String> layers(Path dataRoot) throws IOException {
        try (Stream<Path> s = Files.list(dataRoot.resolve("layers"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".sizes")).sorted().toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        }
    }

    @Test
    void whiteoutsOpaqueFoldersAndMetadataSurviveImportAndShowInAContainer() throws Exception {
        try (TestHost host = new TestHost()) {
            byte[] base = OciLayouts.tar(List.of(Entry.dir("o/"), Entry.file("o/a", "A"), Entry.file("o/b", "B"), Entry.dir("keep/"),
                    Entry.file("keep/gone", "x"), Entry.file("keep/stays", "S"),
                    new Entry("bin/suid", TarArchiveEntry.LF_NORMAL, "#", null, 04755, Map.of("SCHILY.xattr.user.note", "kept")),
                    Entry.symlink("bin/dangling", "/busybox-not-here"), Entry.hardlink("o/a-link", "o/a"),
                    new Entry("dev-null2", TarArchiveEntry.LF_CHR, null, null, 0666, Map.of())));
            byte[] top = OciLayouts.tar(List.of(Entry.file("o/.wh..wh..opq", ""), Entry.file("o/c", "C"), Entry.file("keep/.wh.gone", "")));
            // busybox underneath, so the image has a shell: its rootfs as the bottom layer
            byte[] busybox = Files.readAllBytes(TestHost.busybox());
            Path layout = OciLayouts.layout(host.dir.resolve("layout"), List.of(busybox, base, top), CONFIG, "1.0");
            TestHost.Result imported = host.run("image", "import", layout.toString(), "--name", "crafted");
            assertEquals(0, imported.exit(), imported.err());
            assertTrue(imported.out().contains("imported crafted:1.0"), imported.out());

            Path baseDir = host.dataRoot.resolve("layers").resolve(OciLayouts.sha256(base).substring(7));
            Path suid = baseDir.resolve("bin/suid");
            assertEquals(04755, (int) Files.getAttribute(suid, "unix:mode") & 07777, "set-uid bit kept");
            assertEquals(1234, Files.getAttribute(suid, "unix:uid"));
            assertEquals(5678, Files.getAttribute(suid, "unix:gid"));
            assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(suid).toMillis());
            assertEquals("kept", new String(java.nio.file.Files.getFileAttributeView(suid, java.nio.file.attribute.UserDefinedFileAttributeView.class)
                    .list().contains("note") ? readXattr(suid, "note") : new byte[0], StandardCharsets.UTF_8));
            assertEquals(Files.getAttribute(baseDir.resolve("o/a"), "unix:ino"), Files.getAttribute(baseDir.resolve("o/a-link"), "unix:ino"), "hard link");
            assertEquals("/busybox-not-here", Files.readSymbolicLink(baseDir.resolve("bin/dangling")).toString());
            assertEquals(0x0103, ((Number) Files.getAttribute(baseDir.resolve("dev-null2"), "unix:rdev")).intValue() & 0xffff, "device 1,3");
            Path topDir = host.dataRoot.resolve("layers").resolve(OciLayouts.sha256(top).substring(7));
            assertEquals(0, ((Number) Files.getAttribute(topDir.resolve("keep/gone"), "unix:rdev")).intValue(), "whiteout: a 0/0 device");
            assertFalse(Files.exists(topDir.resolve("o/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));

            Path spec = host.spec("crafted", "image: crafted:1.0\nargs: [sh, -c, 'ls /o; ls /keep; cat /o/c']\n");
            TestHost.Result run = host.run("run", "-q", spec.toString());
            assertEquals(0, run.exit(), run.err());
            assertEquals("c\nstays\nC", run.out().trim(), "opaque /o shows only the top layer's c; keep/gone is deleted");

            Path defaults = host.spec("defaults", "image: crafted:1.0\n");
            TestHost.Result d = host.run("run", "-q", defaults.toString());
            assertEquals(0, d.exit(), d.err());
            assertEquals("hi from /o", d.out().trim(), "the image's cmd, env and workdir");

            TestHost.Result ls = host.run("image", "ls");
            assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("crafted ") && l.contains("1.0") && l.contains("2024-01-01")), ls.out());
            assertEquals(0, host.run("image", "rm", "crafted:1.0").exit());
            TestHost.Result pruned = host.run("image", "prune");
            assertTrue(pruned.out().contains("3 layers removed"), pruned.out());
            assertEquals(List.of(), layers(host.dataRoot));
        }
    }

    private static byte[] readXattr(Path p, String name) throws IOException {
        var view = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(view.size(name));
        view.read(name, b);
        return b.array();
    }

    @Test
    void layersThatWouldWriteOutsideTheStoreAreRefusedAndLeaveNothing() throws Exception {
        try (TestHost host = new TestHost()) {
            Path victim = host.dir.resolve("victim");
            Files.createDirectories(victim);
            List<List<Entry>> crafted = List.of(
                    List.of(Entry.file("../../../victim/dotdot", "x")),
                    List.of(Entry.file("/abs-" + host.dir.getFileName(), "x")),
                    List.of(Entry.symlink("esc", victim.toString()), Entry.file("esc/through-link", "x")),
                    List.of(Entry.symlink("rel", "../../../victim"), Entry.dir("rel/sub/")),
                    List.of(Entry.hardlink("hl", "../../../../etc/passwd")),
                    List.of(Entry.file(".wh...", "")));
            int i = 0;
            for (List<Entry> entries : crafted) {
                Path layout = OciLayouts.layout(host.dir.resolve("evil" + i++), List.of(OciLayouts.tar(entries)), "{}", "1");
                TestHost.Result r = host.run("image", "import", layout.toString(), "--name", "evil");
                assertEquals(125, r.exit(), entries + ": " + r.out() + r.err());
                assertTrue(r.err().startsWith("contain: image: cannot import"), r.err());
                assertFalse(r.err().contains("Exception"), r.err());
                assertEquals(List.of(), layers(host.dataRoot), "no layer, no temp folder left: " + entries);
            }
            try (Stream<Path> s = Files.list(victim)) {
                assertEquals(List.of(), s.toList(), "nothing written outside the store");
            }
            assertFalse(Files.exists(Path.of("/abs-" + host.dir.getFileName())));
        }
    }

    @Test
    void anImageOf120LayersRuns() throws Exception {
        try (TestHost host = new TestHost()) {
            List<byte[]> layers = new ArrayList<>(List.of(Files.readAllBytes(TestHost.busybox())));
            for (int i = 0; i < 119; i++) {
                layers.add(OciLayouts.tar(List.of(Entry.file("stack/f" + i, "layer " + i + "\n"))));
            }
            Path layout = OciLayouts.layout(host.dir.resolve("tall"), layers, "{}", "1");
            TestHost.Result imported = host.run("image", "import", layout.toString(), "--name", "tall");
            assertEquals(0, imported.exit(), imported.err());
            Path spec = host.spec("tall", "image: tall:1\ncommand: [sh, -c, 'ls /stack | wc -l; cat /stack/f0 /stack/f118']\n");
            TestHost.Result run = host.run("run", "-q", spec.toString());
            assertEquals(0, run.exit(), run.err());
            assertEquals("119\nlayer 0\nlayer 118", run.out().trim());
        }
    }

    @Test
    void anAbsentImageSaysHowToGetIt() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("absent", "image: docker.io/library/alpine:3.19\n");
            TestHost.Result r = host.run("run", spec.toString());
            assertEquals(125, r.exit());
            assertTrue(r.err().contains("contain pull docker.io/library/alpine:3.19"), r.err());
        }
    }

    @Test
    void aSpecWithoutCommandOnAnImageWithoutOneFailsClearly() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("nocmd", "image: busybox\n");
            TestHost.Result r = host.run("run", spec.toString());
            assertEquals(125, r.exit());
            assertTrue(r.err().contains("no entrypoint or cmd"), r.err());
        }
    }

    static boolean has(String tool) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    static void assumeTools(String... tools) {
        for (String t : tools) {
            assumeTrue(has(t), t + " is not installed (make setup installs it)");
        }
    }
}
