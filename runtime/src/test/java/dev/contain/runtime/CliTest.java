package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI's other commands: validate, schema, image import/ls/rm, and archives named in specs. */
class CliTest {
    @Test
    void validateReportsEveryProblemWithExitCodes() throws Exception {
        try (TestHost host = new TestHost()) {
            Path bad = host.spec("bad", "image: busybox\ncommand: [true]\nresources: { memroy: 64Mi }\nhostname: -x-\n");
            Result ok = host.run("validate", "../examples/hello.yaml", "../examples/web.yaml");
            assertEquals(0, ok.exit(), ok.err());
            assertEquals("../examples/hello.yaml: ok\n../examples/web.yaml: ok\n", ok.out());
            Result invalid = host.run("validate", "../examples/hello.yaml", bad.toString());
            assertEquals(1, invalid.exit());
            assertEquals(bad + ":3:14: unknown key 'memroy' in resources (did you mean 'memory'?)\n"
                    + bad + ":4:11: '-x-' is not a valid hostname: use letters, digits, '-' and dots (RFC 1123), at most 64 characters\n",
                    invalid.err());
            Result json = host.run("validate", "--format", "json", bad.toString());
            assertEquals(1, json.exit());
            assertTrue(json.out().contains("{\"file\": \"" + bad + "\", \"line\": 3, \"column\": 14, \"message\": \"unknown key 'memroy' in resources (did you mean 'memory'?)\"}"), json.out());
            assertEquals(2, host.run("validate").exit(), "usage error: no file");
            assertEquals(2, host.run("validate", "--frmat", "json", bad.toString()).exit());
        }
    }

    @Test
    void schemaIsPrinted() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("schema");
            assertEquals(0, r.exit());
            assertEquals(Files.readString(Path.of("../schema/container.schema.json")), r.out());
        }
    }

    @Test
    void importKeepsOwnersModesLinksAndDevicesAndSpecsMayNameArchives() throws Exception {
        try (TestHost host = new TestHost()) {
            Path src = Files.createDirectories(host.dir.resolve("src"));
            TestHost.exec(List.of("tar", "-xf", TestHost.busybox().toString(), "-C", src.toString()));
            Files.writeString(src.resolve("owned"), "x\n");
            TestHost.exec(List.of("chown", "1234:5678", src.resolve("owned").toString()));
            TestHost.exec(List.of("chmod", "4750", src.resolve("owned").toString()));
            TestHost.exec(List.of("ln", src.resolve("owned").toString(), src.resolve("hardlink").toString()));
            TestHost.exec(List.of("mknod", src.resolve("dev/null0").toString(), "c", "1", "3"));
            Path archive = host.dir.resolve("img.tar.gz");
            TestHost.exec(List.of("tar", "-czf", archive.toString(), "--numeric-owner", "-C", src.toString(), "."));
            Result imported = host.run("image", "import", archive.toString(), "--name", "custom");
            assertEquals(0, imported.exit(), imported.err());
            Path rootfs = host.dataRoot.resolve("images/custom/rootfs");
            PosixFileAttributes a = Files.readAttributes(rootfs.resolve("owned"), PosixFileAttributes.class);
            assertEquals(1234, Files.getAttribute(rootfs.resolve("owned"), "unix:uid"));
            assertEquals(5678, Files.getAttribute(rootfs.resolve("owned"), "unix:gid"));
            assertEquals(04750, (int) Files.getAttribute(rootfs.resolve("owned"), "unix:mode") & 07777);
            assertEquals(Files.getAttribute(rootfs.resolve("owned"), "unix:ino"), Files.getAttribute(rootfs.resolve("hardlink"), "unix:ino"));
            assertTrue(Files.isSymbolicLink(rootfs.resolve("bin/sh")));
            assertEquals(0x103L, ((Number) Files.getAttribute(rootfs.resolve("dev/null0"), "unix:rdev")).longValue());
            assertTrue(a.isRegularFile());
            assertTrue(host.run("image", "ls").out().contains("custom"));
            Result elsewhere = host.run("image", "ls", "--root", host.dir.resolve("other").toString());
            assertEquals(0, elsewhere.exit(), elsewhere.err());
            assertFalse(elsewhere.out().contains("custom"), "a global option after the subcommand wins: " + elsewhere.out());
            Result again = host.run("image", "import", archive.toString(), "--name", "custom");
            assertEquals(125, again.exit());
            assertTrue(again.err().contains("an image named 'custom' exists"), again.err());
            // a spec may name the archive itself: unpacked once, by digest
            Path spec = host.spec("fromtar", "image: ./img.tar.gz\ncommand: [cat, /owned]\n");
            Result run = host.run("run", "-q", spec.toString());
            assertEquals("x\n", run.out(), run.err());
            assertEquals(1, host.run("image", "ls").out().lines().filter(l -> l.startsWith("sha256-")).count());
            assertEquals(0, host.run("image", "rm", "custom").exit());
            assertTrue(Files.notExists(rootfs));
            Result missing = host.run("image", "rm", "custom");
            assertEquals(125, missing.exit());
        }
    }

    @Test
    void aMissingArchiveOrFolderImageFailsClearly() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", host.spec("gone", "image: ./nothing.tar.xz\ncommand: [true]\n").toString());
            assertEquals(125, r.exit());
            assertEquals("contain: gone: image: image archive " + host.dir.resolve("nothing.tar.xz") + " does not exist\n", r.err());
        }
    }

    @Test
    void everyCommandHasHelpWithExamples() throws Exception {
        try (TestHost host = new TestHost()) {
            for (String command : List.of("run", "validate", "schema", "image", "image import", "image ls", "image rm",
                    "network", "network ls", "network rm", "gc")) {
                List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
                args.add("--help");
                Result r = host.run(args.toArray(String[]::new));
                assertEquals(0, r.exit(), command + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: contain " + command), r.out());
                assertTrue(r.out().contains("Example"), command + " --help shows examples");
                assertEquals("", r.err(), command + " --help warns of nothing (a % in an example once made picocli warn)");
            }
            Result typo = host.run("run", "--memroy", "64Mi", "x.yaml");
            assertEquals(125, typo.exit());
            assertEquals("contain: Unknown option: '--memroy'\nPossible solutions: --memory\n"
                    + "Try 'contain run --help' for more information.\n", typo.err());
            Result group = host.run("image");
            assertEquals(2, group.exit());
            assertTrue(group.err().startsWith("contain: Missing required subcommand"), group.err());
            Result version = host.run("--version");
            assertEquals(0, version.exit());
            assertTrue(version.out().matches("contain \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n"), "the build's version, compiled in: " + version.out());
        }
    }

    @Test
    void anArchiveImageIsHashedOnceAndAChangedArchiveIsANewImage() throws Exception {
        try (TestHost host = new TestHost()) {
            Path archive = host.dir.resolve("img.tar");
            Files.copy(TestHost.busybox(), archive);
            Path spec = host.spec("arch", "image: ./img.tar\ncommand: [sh, -c, 'test -e /marker && echo marked || echo plain']\n");
            Result first = host.run("run", "-q", spec.toString());
            assertEquals("plain\n", first.out(), first.err());
            Path digests = host.dataRoot.resolve("images/.digests");
            try (var entries = Files.list(digests)) {
                assertEquals(1, entries.count(), "the archive's digest is remembered");
            }
            assertEquals("plain\n", host.run("run", "-q", spec.toString()).out());
            Files.writeString(host.dir.resolve("marker"), "x");
            TestHost.exec(List.of("tar", "-rf", archive.toString(), "-C", host.dir.toString(), "marker"));
            Result changed = host.run("run", "-q", spec.toString());
            assertEquals("marked\n", changed.out(), "a changed archive is hashed again, not served from the old digest: " + changed.err());
            try (var entries = Files.list(digests)) {
                assertEquals(2, entries.count());
            }
            assertEquals(2, host.run("image", "ls").out().lines().filter(l -> l.startsWith("sha256-")).count());
        }
    }

    /**
     * A remembered digest is used without hashing: a memo made to name another digest sends the run to
     * another image. `image rm` of an archive's image forgets its memo, so the next run hashes again.
     */
    @Test
    void theDigestMemoIsUsedAndImageRmForgetsIt() throws Exception {
        try (TestHost host = new TestHost()) {
            Files.copy(TestHost.busybox(), host.dir.resolve("img.tar"));
            Path spec = host.spec("memo", "image: ./img.tar\ncommand: [true]\n");
            assertEquals(0, host.run("run", "-q", spec.toString()).exit());
            Path digests = host.dataRoot.resolve("images/.digests");
            Path memo;
            try (var entries = Files.list(digests)) {
                memo = entries.findFirst().orElseThrow();
            }
            String real = Files.readString(memo).trim();
            assertEquals(List.of("sha256-" + real.substring(0, 16)), storedArchives(host));
            String forged = "f".repeat(64);
            Files.writeString(memo, forged + "\n");
            Result hit = host.run("run", "-q", spec.toString());
            assertEquals(0, hit.exit(), hit.err());
            assertEquals(List.of("sha256-" + real.substring(0, 16), "sha256-ffffffffffffffff"), storedArchives(host),
                    "the memo's digest was used, the archive not hashed");
            assertEquals("removed sha256-ffffffffffffffff\n", host.run("image", "rm", "sha256-ffffffffffffffff").out());
            try (var entries = Files.list(digests)) {
                assertEquals(List.of(), entries.toList(), "the memo of the removed image is gone");
            }
            assertEquals(0, host.run("run", "-q", spec.toString()).exit());
            assertEquals(real + "\n", Files.readString(memo), "hashed again, remembered again");
            assertEquals(0, host.run("image", "rm", "sha256-" + real.substring(0, 16)).exit());
            try (var entries = Files.list(digests)) {
                assertEquals(List.of(), entries.toList());
            }
        }
    }

    private static List<String> storedArchives(TestHost host) throws Exception {
        return host.run("image", "ls").out().lines().filter(l -> l.startsWith("sha256-")).map(l -> l.split("\\s+")[0]).sorted().toList();
    }

    @Test
    void twoRunsUnpackingTheSameArchiveAtOnceBothWork() throws Exception {
        try (TestHost host = new TestHost()) {
            Path archive = host.dir.resolve("debianish.tar.xz");
            TestHost.exec(List.of("sh", "-c", "xz -1 -T1 < " + TestHost.busybox() + " > " + archive));
            Path spec = host.spec("twice", "image: ./debianish.tar.xz\ncommand: [sh, -c, 'ls /bin | wc -l']\n");
            TestHost.Running a = host.start("run", "-q", "--name", "a", spec.toString());
            TestHost.Running b = host.start("run", "-q", "--name", "b", spec.toString());
            Result ra = a.finish();
            Result rb = b.finish();
            assertEquals(0, ra.exit(), ra.err());
            assertEquals(0, rb.exit(), rb.err());
            assertEquals(ra.out(), rb.out(), "both see the same, complete image");
            List<String> stored = host.run("image", "ls").out().lines().filter(l -> l.startsWith("sha256-")).toList();
            assertEquals(1, stored.size(), "one store entry: " + stored);
            try (var leftovers = Files.list(host.dataRoot.resolve("images"))) {
                assertEquals(List.of(), leftovers.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".unpack-")).toList());
            }
        }
    }
}
