package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.TestHost.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A default container is not root on the host: its own range of host ids, image files that still show
 * owner 0 inside, a writable layer and folders host users cannot reach, and only /dev's devices.
 */
class UsernsTest {
    static final String BUSYBOX = "image: busybox\n";

    /** "0 100000 65536" from uid_map's line, as three numbers. */
    private static long[] mapLine(String line) {
        String[] f = line.trim().split("\\s+");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    @Test
    void aDefaultContainersRootIsAHostUidOfItsOwnAndImageFilesStillShowOwnerZero() throws Exception {
        try (TestHost host = new TestHost()) {
            Path secret = Files.writeString(host.dir.resolve("secret"), "root only\n");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            Path spec = host.spec("own", BUSYBOX + """
                    mounts: [{ source: ./secret, target: /secret, readOnly: true }]
                    command: [sh, -c, 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c "%u:%g %a" /bin/busybox /etc/passwd;
                              echo mine > /etc/mine && stat -c "%u:%g" /etc/mine; cat /secret || echo no-secret']
                    """);
            Result r = host.run("run", "-q", "--name", "own", spec.toString());
            assertEquals(0, r.exit(), r.err());
            List<String> lines = r.out().lines().toList();
            long[] uid = mapLine(lines.get(0));
            long[] gid = mapLine(lines.get(1));
            assertEquals(0, uid[0]);
            assertTrue(uid[1] >= 100000, "container root is not host root: " + lines.get(0));
            assertEquals(65536, uid[2]);
            assertEquals(uid[1], gid[1], "the range's gids start with its uids here");
            assertEquals("0", lines.get(2), "root inside");
            assertEquals(List.of("0:0 755", "0:0 644"), lines.subList(3, 5), "image files keep their owners inside");
            assertEquals("0:0", lines.get(5), "what the container writes is its root's");
            assertEquals("no-secret", lines.get(6), "a host file only host root may read stays closed");
            assertTrue(r.err().contains("Permission denied"), r.err());
        }
    }

    @Test
    void usersHostGivesTheHostsOwnIds() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("host", BUSYBOX + "users: host\ncommand: [cat, /proc/self/uid_map, /proc/self/gid_map]\n");
            Result r = host.run("run", "-q", spec.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(List.of("0 0 65536", "0 0 65536"), r.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList());
        }
    }

    @Test
    void twoContainersAtOnceHaveDisjointRangesAndRangesComeBack() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("pair", BUSYBOX + "command: [sh, -c, 'head -n 1 /proc/self/uid_map; echo ready; read x']\n");
            Running a = host.start("run", "-q", "--name", "a", spec.toString());
            long[] first = mapLine(a.nextLine());
            a.awaitLine("ready");
            Running b = host.start("run", "-q", "--name", "b", spec.toString());
            long[] second = mapLine(b.nextLine());
            b.awaitLine("ready");
            assertTrue(first[1] + first[2] <= second[1] || second[1] + second[2] <= first[1],
                    "disjoint: " + first[1] + " and " + second[1]);
            a.send("\n");
            assertEquals(0, a.finish().exit());
            Running c = host.start("run", "-q", "--name", "c", spec.toString());
            assertEquals(first[1], mapLine(c.nextLine())[1], "a's range came back at its teardown");
            c.awaitLine("ready");
            b.send("\n");
            c.send("\n");
            assertEquals(0, b.finish().exit());
            assertEquals(0, c.finish().exit());
        }
    }

    @Test
    void aKilledEnginesRangeComesBackWithGc() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("victim", BUSYBOX + "command: [sh, -c, 'head -n 1 /proc/self/uid_map; echo ready; sleep 300']\n");
            Running victim = host.start("run", "-q", spec.toString());
            long[] range = mapLine(victim.nextLine());
            victim.awaitLine("ready");
            victim.process.destroyForcibly(); // kill -9: no teardown
            victim.process.waitFor(10, TimeUnit.SECONDS);
            assertEquals(List.of("victim@" + range[1] + "-" + range[1] + "-65536"), host.heldRanges(),
                    "the dead engine's container still holds its range");
            Path probe = host.spec("probe", BUSYBOX + "command: [head, -n, '1', /proc/self/uid_map]\n");
            Result meanwhile = host.run("run", "-q", probe.toString());
            assertNotEquals(range[1], mapLine(meanwhile.out())[1], "not handed out while held");
            Result gc = host.run("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertEquals(List.of(), host.heldRanges());
            assertEquals(range[1], mapLine(host.run("run", "-q", probe.toString()).out())[1], "back in the pool");
        }
    }

    @Test
    void aSetuidFileMadeInsideIsNeitherReachableNorRootForHostUsers() throws Exception {
        try (TestHost host = new TestHost()) {
            // the container copies the host's id program (a readable bind) and makes it setuid: its root's
            Path spec = host.spec("suid", BUSYBOX + """
                    mounts: [{ source: /usr/bin/id, target: /hostid, readOnly: true }]
                    command: [sh, -c, 'cp /hostid /suid && chmod 4755 /suid && echo ready; read x']
                    """);
            Running run = host.start("run", "-q", "--name", "suid", spec.toString());
            run.awaitLine("ready");
            Path suid = host.dataRoot.resolve("containers/suid/upper/suid");
            assertEquals(04755, (int) Files.getAttribute(suid, "unix:mode") & 07777);
            int owner = (int) Files.getAttribute(suid, "unix:uid");
            assertTrue(owner >= 100000, "owned by the container's root, a host uid of its range: " + owner);
            // runuser, not setpriv: setpriv keeps root's capabilities until its exec, so its exec's own path lookup is root's
            String asNobody = TestHost.output(List.of("runuser", "-u", "nobody", "--", suid.toString(), "-u"));
            assertTrue(asNobody.startsWith("exit ") && asNobody.contains("Permission denied"), "nobody cannot reach it: " + asNobody);
            // and were it reachable (a bind mount in a private mount namespace), it would run as the range's root, not 0
            Path open = Files.createDirectories(host.dir.resolve("open"));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path there = Files.createFile(open.resolve("probe"));
            String euid = TestHost.output(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount --bind \"$1\" \"$2\" && exec runuser -u nobody -- \"$2\" -u", "sh",
                    suid.toString(), there.toString()));
            assertEquals(owner + "\n", euid, "euid is the range's root");
            run.send("\n");
            assertEquals(0, run.finish().exit());
        }
    }

    @Test
    void theEnginesFoldersAreClosedAndOldOnesAreTightened() throws Exception {
        try (TestHost host = new TestHost()) {
            for (Path p : List.of(host.dataRoot.resolve("containers"), host.dataRoot.resolve("images"), host.runRoot)) {
                Files.createDirectories(p);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x")); // as an older engine left them
            }
            Path spec = host.spec("dirs", BUSYBOX + "command: [sh, -c, 'echo ready; read x']\n");
            Running run = host.start("run", "-q", "--name", "dirs", spec.toString());
            run.awaitLine("ready");
            assertEquals("rwx--x--x", mode(host.dataRoot.resolve("containers")));
            for (String contents : List.of("images", "layers", "l", "downloads")) {
                assertEquals("rwx------", mode(host.dataRoot.resolve(contents)), contents + " holds image contents");
            }
            assertEquals("rwx------", mode(host.runRoot));
            assertEquals("rwx------", mode(host.dataRoot.resolve("containers/dirs")));
            assertNotEquals(0, (int) Files.getAttribute(host.dataRoot.resolve("containers/dirs"), "unix:uid"), "the container root's");
            assertEquals("rwxr-xr-x", mode(host.dataRoot.resolve("containers/dirs/upper")), "what / shows inside");
            String ls = TestHost.output(List.of("runuser", "-u", "nobody", "--", "ls", host.dataRoot.resolve("containers/dirs/upper").toString()));
            assertTrue(ls.startsWith("exit ") && ls.contains("Permission denied"), ls);
            run.send("\n");
            assertEquals(0, run.finish().exit());
        }
    }

    @Test
    void aDataRootTheContainersRootCannotReachIsAClearError() throws Exception {
        try (TestHost host = new TestHost()) {
            Path closed = Files.createDirectories(host.dir.resolve("closed"));
            Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(closed.resolve("data/images"));
            TestHost.exec(List.of("cp", "-a", host.imageRootfs().getParent().toString(), closed.resolve("data/images").toString()));
            List<String> cmd = new ArrayList<>(host.cli("run", "-q", "--name", "web", "--image", "busybox", "--", "true").command());
            cmd.set(cmd.indexOf(host.dataRoot.toString()), closed.resolve("data").toString());
            Result r = TestHost.Result.of(new ProcessBuilder(cmd).start(), 60);
            assertEquals(125, r.exit());
            // the init's refusal, and why: checked only when a run fails so
            assertTrue(r.err().startsWith("contain: web: "), r.err());
            assertTrue(r.err().contains(": Permission denied; the container's root (host uid "), r.err());
            assertTrue(r.err().contains(") cannot reach its writable layer: " + closed + " is mode 0700; let others through it (chmod o+x "
                    + closed + "), use another --root, or give the container the host's ids (users: host)\n"), r.err());
            assertFalse(Files.exists(closed.resolve("data/containers/web")), "nothing left");
            assertEquals(List.of(), host.heldRanges(), "its range went back");
        }
    }

    @Test
    void whereLayersAreNotIdmappedACopyChownedForTheRangeServesAndAStoredImagesIsMadeOnce() throws Exception {
        try (TestHost host = new TestHost()) {
            Path layer = Files.createDirectories(host.dir.resolve("layer/opt"));
            Files.writeString(layer.resolve("file"), "from the layer\n");
            Path spec = host.spec("copy", BUSYBOX + "layers: [./layer]\n"
                    + "command: [sh, -c, 'stat -c \"%u:%g\" /bin/busybox /opt/file; cat /opt/file; echo more >> /opt/file']\n");
            Result first = host.run("run", "-q", "--trace", "--id-layers", "copy", spec.toString());
            assertEquals(0, first.exit(), first.err());
            assertEquals("0:0\n0:0\nfrom the layer\n", first.out(), "owners as stored, seen inside");
            assertTrue(first.err().contains("trace: userns: image busybox copied and chowned for these ids in "), first.err());
            assertTrue(first.err().contains("trace: userns: " + host.dir.resolve("layer") + " copied and chowned for this run in "), first.err());
            Result second = host.run("run", "-q", "--trace", "--id-layers", "copy", spec.toString());
            assertEquals(0, second.exit(), second.err());
            assertTrue(second.err().contains("trace: userns: image busybox: the copy chowned for these ids, made before (--id-layers copy)"), second.err());
            assertEquals("from the layer\n", Files.readString(layer.resolve("file")), "the layer itself is never written");
            Path ranges = host.dataRoot.resolve("ranges");
            assertEquals("rwx--x--x", mode(ranges));
            List<Path> perRange;
            try (var list = Files.list(ranges)) {
                perRange = list.toList();
            }
            assertEquals(1, perRange.size(), perRange.toString());
            assertEquals("rwx------", mode(perRange.get(0)), "only the range's root may enter its copies");
            assertTrue((int) Files.getAttribute(perRange.get(0), "unix:uid") >= 100000);
            assertEquals(0, host.run("image", "rm", "busybox").exit());
            try (var list = Files.list(perRange.get(0))) {
                assertEquals(List.of(), list.toList(), "removing the image removes its copies");
            }
        }
    }

    @Test
    void anImagesStoreLayersKeepTheirOwnersIdmappedOrCopiedOncePerRange() throws Exception {
        try (TestHost host = new TestHost()) {
            // busybox (owned by 0) and a layer whose file is owned by 1234:5678
            List<byte[]> layers = List.of(Files.readAllBytes(TestHost.busybox()),
                    OciLayouts.tar(List.of(OciLayouts.Entry.file("opt/f", "from a layer\n"))));
            Path layout = OciLayouts.layout(host.dir.resolve("two"), layers, "{}", "1");
            Result imported = host.run("image", "import", layout.toString(), "--name", "two");
            assertEquals(0, imported.exit(), imported.err());
            Path spec = host.spec("two", "image: two:1\ncommand: [sh, -c, 'stat -c %u:%g /bin/busybox /opt/f; echo more >> /opt/f && cat /opt/f']\n");
            String expected = "0:0\n1234:5678\nfrom a layer\nmore\n";
            Result idmapped = host.run("run", "-q", "--trace", spec.toString());
            assertEquals(0, idmapped.exit(), idmapped.err());
            assertEquals(expected, idmapped.out());
            assertTrue(idmapped.err().contains("trace: userns: the layer store idmapped (ext4)"), idmapped.err());
            Result first = host.run("run", "-q", "--trace", "--id-layers", "copy", spec.toString());
            assertEquals(0, first.exit(), first.err());
            assertEquals(expected, first.out());
            assertEquals(2, first.err().lines().filter(l -> l.contains("copied and chowned for these ids")).count(), first.err());
            Result second = host.run("run", "-q", "--trace", "--id-layers", "copy", spec.toString());
            assertEquals(expected, second.out());
            assertFalse(second.err().contains("copied and chowned"), "made once per range: " + second.err());
            Path range;
            try (var list = Files.list(host.dataRoot.resolve("ranges"))) {
                range = list.findFirst().orElseThrow();
            }
            try (var copies = Files.list(range.resolve("layers")); var links = Files.list(range.resolve("l"))) {
                assertEquals(2, copies.count());
                assertEquals(2, links.count());
            }
            try (var stored = Files.walk(host.dataRoot.resolve("layers"))) {
                Path f = stored.filter(p -> p.endsWith("opt/f")).findFirst().orElseThrow();
                assertEquals("from a layer\n", Files.readString(f), "the store's layer is never written");
                assertEquals(1234, Files.getAttribute(f, "unix:uid"), "nor chowned");
            }
        }
    }

    @Test
    void manyLayersUnderALongNameAreNamedThroughAShortLink() throws Exception {
        try (TestHost host = new TestHost()) {
            List<byte[]> layers = new ArrayList<>(List.of(Files.readAllBytes(TestHost.busybox())));
            for (int i = 0; i < 59; i++) {
                layers.add(OciLayouts.tar(List.of(OciLayouts.Entry.file("stack/f" + i, "layer " + i + "\n"))));
            }
            Path layout = OciLayouts.layout(host.dir.resolve("tall"), layers, "{}", "1");
            assertEquals(0, host.run("image", "import", layout.toString(), "--name", "tall").exit());
            String name = "a-container-with-a-rather-long-name-for-this-test";
            Path spec = host.spec("tall", "name: " + name + "\nimage: tall:1\ncommand: [sh, -c, 'ls /stack | wc -l']\n");
            // containers/NAME/l/HEX for 60 layers would not fit the page of mount options
            Result dry = host.run("run", "--dry-run", spec.toString());
            assertTrue(dry.out().contains("\nuserns: link " + host.dataRoot.resolve("m") + "/"), dry.out());
            assertTrue(dry.out().contains("lowerdir=m/"), dry.out());
            Result run = host.run("run", "-q", spec.toString());
            assertEquals(0, run.exit(), run.err());
            assertEquals("59\n", run.out());
            try (var left = Files.list(host.dataRoot.resolve("m"))) {
                assertEquals(List.of(), left.toList(), "the short link goes with the container");
            }
        }
    }

    @Test
    void aPoolThatIsNotThereIsAClearError() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "--id-pool", "subuid:contain-nobody-has-this", "--name", "web", "--image", "busybox", "--", "true");
            assertEquals(125, r.exit());
            assertEquals("contain: web: userns: no 'contain-nobody-has-this' entry in both /etc/subuid and /etc/subgid (add one, like "
                    + "'contain-nobody-has-this:100000:4194304', or use --id-pool builtin)\n", r.err());
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
