package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images made by real tools: podman import of the busybox rootfs, podman build (buildah) of layers that
 * add, delete a file of a lower layer and replace a folder, saved as oci-archive, docker-archive and by
 * skopeo to an OCI layout; and a local docker-registry in the test's network namespace for pulls.
 * podman's store is a temp folder (vfs, cgroupfs, file events, runc): the machine's own is never touched.
 */
class ImageToolsTest {
    private static Path work;

    static List<String> podman(String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", work.resolve("root").toString(), "--runroot",
                work.resolve("runroot").toString(), "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                "--runtime", "runc"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static String exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(cmd + " failed: " + out);
        }
        return out;
    }

    @BeforeAll
    static void buildImages() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestHost.isRoot());
        ImageTest.assumeTools("podman", "skopeo", "runc");
        work = Files.createTempDirectory("contain-images-");
        exec(podman("import", TestHost.busybox().toString(), "localhost/bb:1"));
        Path ctx = Files.createDirectories(work.resolve("ctx/d"));
        Files.writeString(ctx.resolve("a"), "one\n");
        Files.writeString(ctx.resolve("b"), "two\n");
        Files.writeString(ctx.getParent().resolve("keep"), "keep\n");
        Files.writeString(ctx.getParent().resolve("Containerfile"), String.join("\n",
                "FROM localhost/bb:1", "COPY d /opt/d", "COPY keep /opt/keep",
                "RUN rm /opt/keep && mkdir -p /opt/new && echo hi > /opt/new/x",
                "RUN rm -rf /opt/d && mkdir /opt/d && echo fresh > /opt/d/c",
                "ENV GREETING=hello", "WORKDIR /opt", "CMD [\"sh\", \"-c\", \"echo $GREETING from $(pwd)\"]", ""));
        exec(podman("build", "--isolation", "chroot", "-t", "localhost/layered:2", ctx.getParent().toString()));
        Files.writeString(ctx.getParent().resolve("Containerfile.more"), "FROM localhost/layered:2\nRUN echo more > /more\n");
        exec(podman("build", "--isolation", "chroot", "-f", ctx.getParent().resolve("Containerfile.more").toString(), "-t",
                "localhost/layered:3", ctx.getParent().toString()));
        exec(podman("save", "--format", "oci-archive", "-o", work.resolve("layered.oci.tar").toString(), "localhost/layered:2"));
        exec(podman("save", "--format", "docker-archive", "-o", work.resolve("layered.docker.tar").toString(), "localhost/layered:2"));
        exec(podman("save", "-m", "--format", "docker-archive", "-o", work.resolve("multi.docker.tar").toString(), "localhost/layered:2", "localhost/bb:1"));
        exec(podman("save", "--format", "oci-archive", "-o", work.resolve("layered3.oci.tar").toString(), "localhost/layered:3"));
        exec(List.of("skopeo", "copy", "oci-archive:" + work.resolve("layered.oci.tar"), "oci:" + work.resolve("skopeo-layout") + ":v2"));
    }

    @AfterAll
    static void removeImages() throws Exception {
        if (work != null) {
            exec(List.of("rm", "-rf", "--one-file-system", work.toString()));
        }
    }

    /** What the container sees of the layers: /opt/keep deleted, /opt/d replaced, the image's env, workdir and cmd. */
    static void assertLayeredRuns(TestHost host, String image) throws Exception {
        Path spec = host.spec("check", "image: " + image + "\ncommand: [sh, -c, 'ls /opt; ls /opt/d; cat /opt/d/c /opt/new/x']\n");
        TestHost.Result r = host.run("run", "-q", spec.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("d\nnew\nc\nfresh\nhi", r.out().trim(), image);
        Path defaults = host.spec("defaults", "image: " + image + "\n");
        TestHost.Result d = host.run("run", "-q", defaults.toString());
        assertEquals(0, d.exit(), d.err());
        assertEquals("hello from /opt", d.out().trim());
    }

    @Test
    void importsOciArchiveDockerArchiveMultiImageArchiveAndSkopeoLayoutSharingLayers() throws Exception {
        try (TestHost host = new TestHost()) {
            TestHost.Result oci = host.run("image", "import", work.resolve("layered.oci.tar").toString());
            assertEquals(0, oci.exit(), oci.err());
            assertLayeredRuns(host, "localhost/layered:2");
            assertEquals(0, host.run("image", "import", work.resolve("layered.docker.tar").toString(), "--name", "dock:x").exit());
            assertLayeredRuns(host, "dock:x");
            TestHost.Result multi = host.run("image", "import", work.resolve("multi.docker.tar").toString());
            assertEquals(0, multi.exit(), multi.err());
            assertTrue(multi.out().contains("imported localhost/bb:1"), multi.out());
            TestHost.Result layout = host.run("image", "import", work.resolve("skopeo-layout").toString(), "--name", "sk");
            assertEquals(0, layout.exit(), layout.err());
            assertLayeredRuns(host, "sk:v2");
            assertEquals(5, ImageTest.layers(host.dataRoot).size(), "every image shares the same five layers");
            TestHost.Result many = host.run("image", "import", work.resolve("multi.docker.tar").toString(), "--name", "one");
            assertEquals(125, many.exit());
            assertTrue(many.err().contains("holds 2 images"), many.err());
            // the rootfs archives of today still import as before
            TestHost.Result rootfs = host.run("image", "import", TestHost.busybox().toString(), "--name", "plain");
            assertEquals(0, rootfs.exit(), rootfs.err());
            assertTrue(Files.isDirectory(host.dataRoot.resolve("images/plain/rootfs/bin")));
        }
    }

    @Test
    void imageRmRefusesAnImageARunningContainerUses() throws Exception {
        try (TestHost host = new TestHost()) {
            assertEquals(0, host.run("image", "import", work.resolve("layered.oci.tar").toString()).exit());
            Path spec = host.spec("busy", "image: localhost/layered:2\ncommand: [sh, -c, 'echo up; read x']\n");
            TestHost.Running running = host.start("run", "-q", spec.toString());
            running.awaitLine("up");
            TestHost.Result rm = host.run("image", "rm", "localhost/layered:2");
            assertEquals(125, rm.exit());
            assertTrue(rm.err().contains("in use by the running container \"busy\""), rm.err());
            running.send("\n");
            assertEquals(0, running.finish().exit());
            assertEquals(0, host.run("image", "rm", "localhost/layered:2").exit());
        }
    }

    @Test
    void pullsFromALocalRegistryWithAndWithoutAuthRefusesCorruptBlobsAndFetchesOnlyMissingLayers() throws Exception {
        ImageTest.assumeTools("docker-registry", "htpasswd", "nsenter");
        try (TestHost host = new TestHost(true)) {
            Path reg = Files.createDirectories(host.dir.resolve("registry"));
            String users = exec(List.of("htpasswd", "-Bbn", "alice", "s3cret"));
            Files.writeString(reg.resolve("htpasswd"), users);
            Process open = registry(host, reg, "open", 5000, null);
            Process locked = registry(host, reg, "locked", 5001, reg.resolve("htpasswd"));
            try {
                push(host, "layered.oci.tar", "127.0.0.1:5000/layered:2", null);
                push(host, "layered3.oci.tar", "127.0.0.1:5000/layered:3", null);
                TestHost.Result pulled = host.run("pull", "--tls-verify=false", "127.0.0.1:5000/layered:2");
                assertEquals(0, pulled.exit(), pulled.out() + pulled.err());
                assertTrue(pulled.out().contains("5 layers, 5 to download"), pulled.out());
                assertLayeredRuns(host, "127.0.0.1:5000/layered:2");
                TestHost.Result more = host.run("pull", "http://127.0.0.1:5000/layered:3");
                assertEquals(0, more.exit(), more.out() + more.err());
                assertTrue(more.out().contains("6 layers, 1 to download"), more.out());

                push(host, "layered.oci.tar", "127.0.0.1:5001/secret:2", "alice:s3cret");
                TestHost.Result denied = host.run("pull", "--tls-verify=false", "127.0.0.1:5001/secret:2");
                assertEquals(125, denied.exit());
                assertTrue(denied.err().contains("--creds"), denied.err());
                TestHost.Result allowed = host.run("pull", "--tls-verify=false", "--creds", "alice:s3cret", "127.0.0.1:5001/secret:2");
                assertEquals(0, allowed.exit(), allowed.out() + allowed.err());
                assertTrue(allowed.out().contains("5 layers, 0 to download"), allowed.out());

                // a blob corrupted on the registry's side: refused by its digest, nothing of it kept
                assertEquals(0, host.run("image", "rm", "127.0.0.1:5000/layered:3").exit());
                assertTrue(host.run("image", "prune").out().contains("1 layers removed"));
                try (Stream<Path> s = Files.walk(reg.resolve("open"))) { // every layer blob: the pull needs only one of them
                    for (Path blob : s.filter(p -> p.getFileName().toString().equals("data") && p.toString().contains("/blobs/")).toList()) {
                        if (isGzip(blob)) {
                            byte[] b = Files.readAllBytes(blob);
                            b[b.length / 2] ^= 1;
                            Files.write(blob, b);
                        }
                    }
                }
                List<String> before = ImageTest.layers(host.dataRoot);
                TestHost.Result bad = host.run("pull", "--tls-verify=false", "127.0.0.1:5000/layered:3");
                assertEquals(125, bad.exit(), bad.out());
                assertTrue(bad.err().contains("does not match its digest"), bad.err());
                assertEquals(before, ImageTest.layers(host.dataRoot), "no layer from a corrupt blob");
                assertFalse(host.run("image", "ls").out().contains("layered                                  3"));
            } finally {
                open.destroy();
                locked.destroy();
                open.waitFor(10, TimeUnit.SECONDS);
                locked.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * kill -9 of a pull while a blob is half downloaded: no layer, no image; the next pull resumes the partial
     * blob with a Range request and succeeds, leaving no download behind. A pull killed again and given up
     * on: gc removes its partial download.
     */
    @Test
    void aKilledPullLeavesNoLayerAndTheNextPullResumesIt() throws Exception {
        ImageTest.assumeTools("docker-registry", "nsenter");
        try (TestHost host = new TestHost(true)) {
            Path reg = Files.createDirectories(host.dir.resolve("registry"));
            Process registry = registry(host, reg, "open", 5000, null);
            try {
                push(host, "layered.oci.tar", "127.0.0.1:5000/layered:2", null);
                push(host, "layered3.oci.tar", "127.0.0.1:5000/layered:3", null);
                TestHost.Result killed = host.run(host.cliWith(java.util.Map.of("crashAt", "pull:half"), "pull", "http://127.0.0.1:5000/layered:2"));
                assertEquals(137, killed.exit(), killed.out() + killed.err());
                assertTrue(killed.err().contains("(pull:half): KILL"), killed.err());
                assertTrue(ImageTest.layers(host.dataRoot).stream().allMatch(n -> n.startsWith(".tmp-")),
                        "no layer, at most the temporary of the unpack it killed: " + ImageTest.layers(host.dataRoot));
                assertFalse(host.run("image", "ls").out().contains("layered"));
                List<String> partial = files(host.dataRoot.resolve("downloads")).stream().filter(n -> n.endsWith(".partial")).toList();
                assertFalse(partial.isEmpty(), "the half-downloaded blob is kept to resume: " + files(host.dataRoot.resolve("downloads")));

                TestHost.Result resumed = host.run("pull", "http://127.0.0.1:5000/layered:2");
                assertEquals(0, resumed.exit(), resumed.out() + resumed.err());
                assertTrue(resumed.out().contains("(resumed at "), resumed.out());
                assertLayeredRuns(host, "127.0.0.1:5000/layered:2");
                assertEquals(List.of(), files(host.dataRoot.resolve("downloads")), "no download left once stored");
                assertEquals(5, ImageTest.layers(host.dataRoot).size(), "five layers, no temporary: " + ImageTest.layers(host.dataRoot));

                TestHost.Result again = host.run(host.cliWith(java.util.Map.of("crashAt", "pull:half"), "pull", "http://127.0.0.1:5000/layered:3"));
                assertEquals(137, again.exit(), again.out() + again.err());
                assertEquals(1, files(host.dataRoot.resolve("downloads")).size());
                TestHost.Result gc = host.run("gc");
                assertTrue(gc.out().matches("removed [12] leftovers of killed imports, pulls and removals\n"), gc.out()); // the unpack's too, if it had begun
                assertEquals(List.of(), files(host.dataRoot.resolve("downloads")));
                assertEquals(5, ImageTest.layers(host.dataRoot).size(), ImageTest.layers(host.dataRoot).toString());
                TestHost.Result fresh = host.run("pull", "http://127.0.0.1:5000/layered:3");
                assertEquals(0, fresh.exit(), fresh.out() + fresh.err());
                assertTrue(fresh.out().contains("6 layers, 1 to download") && !fresh.out().contains("resumed"), fresh.out());
                assertEquals(6, ImageTest.layers(host.dataRoot).size());
            } finally {
                registry.destroy();
                registry.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        }
    }

    private static boolean isGzip(Path p) throws IOException {
        byte[] head = new byte[2];
        try (var in = Files.newInputStream(p)) {
            return in.read(head) == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        }
    }

    private static void push(TestHost host, String archive, String dest, String creds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + host.netns, "skopeo", "copy", "--dest-tls-verify=false"));
        if (creds != null) {
            cmd.addAll(List.of("--dest-creds", creds));
        }
        cmd.addAll(List.of("oci-archive:" + work.resolve(archive), "docker://" + dest));
        exec(cmd);
    }

    /** docker-registry on 127.0.0.1:PORT inside the test's network namespace, storing under reg/NAME. */
    private static Process registry(TestHost host, Path reg, String name, int port, Path htpasswd) throws Exception {
        String auth = htpasswd == null ? "" : "auth:\n  htpasswd:\n    realm: test\n    path: " + htpasswd + "\n";
        Path config = reg.resolve(name + ".yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " + reg.resolve(name)
                + "\n" + auth + "http:\n  addr: 127.0.0.1:" + port + "\n");
        Process p = new ProcessBuilder("nsenter", "--net=/run/netns/" + host.netns, "docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(reg.resolve(name + ".log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            if (host.inNetns("sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port).isEmpty() || !p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        return p;
    }
}
