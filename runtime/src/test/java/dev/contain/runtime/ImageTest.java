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

    /** A layer whose content is not what the config's diff_ids says: refused, in an OCI layout (gzip) and a docker-archive. */
    @Test
    void aLayerWhoseContentDoesNotMatchItsDiffIdIsRefused() throws Exception {
        try (TestHost host = new TestHost()) {
            byte[] real = OciLayouts.tar(List.of(Entry.file("a", "what the layer holds")));
            String claimed = OciLayouts.sha256(OciLayouts.tar(List.of(Entry.file("a", "what the config says"))));
            java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
            try (var out = new java.util.zip.GZIPOutputStream(gz)) {
                out.write(real);
            }
            Path layout = OciLayouts.layout(host.dir.resolve("lying"), List.of(gz.toByteArray()), List.of(claimed), "{}", "1");
            Path docker = OciLayouts.dockerArchive(host.dir.resolve("lying.docker.tar"), List.of(real), List.of(claimed), "localhost/lying:1");
            for (Path archive : List.of(layout, docker)) {
                TestHost.Result r = host.run("image", "import", archive.toString(), "--name", "lying");
                assertEquals(125, r.exit(), r.out());
                assertTrue(r.err().startsWith("contain: image: cannot import " + archive + ": layer " + claimed + " unpacks to content with digest "
                        + OciLayouts.sha256(real) + " (corrupted or tampered with)"), r.err());
                assertEquals(List.of(), layers(host.dataRoot), "no layer, no temporary");
                assertFalse(host.run("image", "ls").out().contains("lying"));
            }
        }
    }

    /**
     * A layer made by GNU tar (PAX, with xattrs) and compressed by xz: imported, and a binary xattr value
     * (not UTF-8, with a NUL) is the same bytes in the store.
     */
    @Test
    void xzLayersAndBinaryXattrValuesImportExactly() throws Exception {
        assumeTools("tar", "xz");
        try (TestHost host = new TestHost()) {
            Path src = Files.createDirectories(host.dir.resolve("src/etc"));
            Path file = Files.writeString(src.resolve("tagged"), "tagged\n");
            byte[] binary = {(byte) 0xff, 0x00, (byte) 0x80, (byte) 0xfe, '\n', '=', ' ', 'x'};
            Files.getFileAttributeView(file, java.nio.file.attribute.UserDefinedFileAttributeView.class).write("bin", java.nio.ByteBuffer.wrap(binary));
            Files.getFileAttributeView(file, java.nio.file.attribute.UserDefinedFileAttributeView.class)
                    .write("text", java.nio.ByteBuffer.wrap("plain".getBytes(StandardCharsets.UTF_8)));
            Path tar = host.dir.resolve("layer.tar");
            TestHost.exec(List.of("tar", "--xattrs", "--xattrs-include=*", "--format=pax", "-C", host.dir.resolve("src").toString(), "-cf", tar.toString(), "."));
            TestHost.exec(List.of("xz", "-k", tar.toString()));
            byte[] xz = Files.readAllBytes(host.dir.resolve("layer.tar.xz"));
            String diffId = OciLayouts.sha256(Files.readAllBytes(tar));
            Path layout = OciLayouts.layout(host.dir.resolve("xz"), List.of(xz), List.of(diffId), "{}", "1");
            TestHost.Result r = host.run("image", "import", layout.toString(), "--name", "xz");
            assertEquals(0, r.exit(), r.err());
            Path stored = host.dataRoot.resolve("layers").resolve(diffId.substring(7)).resolve("etc/tagged");
            assertEquals("tagged\n", Files.readString(stored));
            assertEquals(java.util.HexFormat.of().formatHex(binary), java.util.HexFormat.of().formatHex(readXattr(stored, "bin")), "binary xattr kept byte for byte");
            assertEquals("plain", new String(readXattr(stored, "text"), StandardCharsets.UTF_8));
        }
    }

    /**
     * kill -9 of an import after its layer is unpacked but before it is in place, of a rootfs import, of an
     * image rm and of a run extracting the init: no layer or image appears, and the temporaries are removed by
     * gc or by the next import; never while another writer is at work (gc leaves them then).
     */
    @Test
    void whatKilledImportsAndRemovalsLeaveIsRemovedByGcOrTheNextImportNeverUnderAWriter() throws Exception {
        try (TestHost host = new TestHost()) {
            byte[] top = OciLayouts.tar(List.of(Entry.file("top", "T")));
            byte[] busybox = Files.readAllBytes(TestHost.busybox());
            Path layout = OciLayouts.layout(host.dir.resolve("killed"), List.of(busybox, top), "{}", "1");
            // one import stopped after unpacking its first layer (a writer at work), one killed there
            TestHost.Running paused = host.start(host.cliWith(Map.of("pauseAt", "layer:unpacked"), "image", "import", layout.toString(), "--name", "k"));
            paused.awaitStopped();
            TestHost.Result killed = host.run(host.cliWith(Map.of("crashAt", "layer:unpacked"), "image", "import", layout.toString(), "--name", "k"));
            assertEquals(137, killed.exit(), killed.err());
            assertEquals(List.of(".tmp-", ".tmp-"), temporaries(host.dataRoot.resolve("layers")), "no layer, only the two temporaries");
            TestHost.Result busy = host.run("gc");
            assertEquals(0, busy.exit(), busy.err());
            assertEquals("the image store's leftovers are kept: an import or pull is at work\n", busy.out());
            assertEquals(List.of(".tmp-", ".tmp-"), temporaries(host.dataRoot.resolve("layers")), "gc removed nothing of a live import's");
            paused.signal("CONT");
            TestHost.Result done = paused.finish();
            assertEquals(0, done.exit(), done.err());
            assertEquals(Stream.of(busybox, top).map(b -> sha256Hex(b)).sorted().toList(), layers(host.dataRoot),
                    "the import that finished removed the killed one's temporary");

            TestHost.Result rootfs = host.run(host.cliWith(Map.of("crashAt", "image:unpacking"), "image", "import", TestHost.busybox().toString(), "--name", "half"));
            assertEquals(137, rootfs.exit(), rootfs.err());
            assertEquals(List.of(".lock", ".unpack-"), temporaries(host.dataRoot.resolve("images")));
            TestHost.Result gc = host.run("gc");
            assertEquals("removed 1 leftovers of killed imports, pulls and removals\n", gc.out());
            assertEquals(List.of(".lock"), temporaries(host.dataRoot.resolve("images")));
            assertFalse(host.run("image", "ls").out().contains("half"));

            TestHost.Result rm = host.run(host.cliWith(Map.of("crashAt", "image:removing"), "image", "rm", "busybox"));
            assertEquals(137, rm.exit(), rm.err());
            assertEquals(List.of(".lock", ".removing-busybox-"), temporaries(host.dataRoot.resolve("images")));
            assertFalse(host.run("image", "ls").out().lines().anyMatch(l -> l.startsWith("busybox ")), "a half-removed image is not listed");
            TestHost.Result again = host.run("image", "import", TestHost.busybox().toString(), "--name", "busybox");
            assertEquals(0, again.exit(), again.err());
            assertEquals(List.of(".lock"), temporaries(host.dataRoot.resolve("images")), "the next import removed the killed rm's folder");

            // the init's extraction, killed: its temporary goes with gc, and the next run extracts it whole
            Path spec = host.spec("first", "image: busybox\ncommand: [true]\n");
            TestHost.Result extract = host.run(host.cliWith(Map.of("crashAt", "extract:written"), "run", "-q", spec.toString()));
            assertEquals(137, extract.exit(), extract.err());
            assertTrue(host.run("gc").out().contains("removed 1 leftovers of killed imports, pulls and removals"));
            try (Stream<Path> bin = Files.walk(host.dataRoot.resolve("bin"))) {
                assertEquals(List.of(), bin.filter(p -> p.getFileName().toString().startsWith(".extract-")).toList());
            }
            assertEquals(0, host.run("run", "-q", spec.toString()).exit());
        }
    }

    private static String sha256Hex(byte[] b) {
        try {
            return OciLayouts.sha256(b).substring(7);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The dot-names in a folder, without their pid or random tail. */
    private static List<String> temporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") && !n.equals(".digests") && !n.equals(".sizes"))
                    .map(n -> n.replaceAll("[-0-9a-f]+$", "-").replaceAll("^\\.lock-$", ".lock")).sorted().toList();
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
