package dev.contain.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecParserTest {
    static final Path BASE = Path.of("/specs/project");

    static SpecResult parse(String yaml) {
        return SpecParser.parse(yaml, "t.yaml", BASE, "fromfile", BASE.resolve("t.yaml"), List.of());
    }

    @Test
    void defaultsForAMinimalSpec() {
        ContainerSpec s = parse("image: busybox\ncommand: [sh, -c, 'echo hi']\n").spec();
        assertEquals("fromfile", s.name(), "name from the file name");
        assertEquals("fromfile", s.hostname(), "hostname = name");
        assertEquals(new ImageRef.Stored("busybox"), s.image());
        assertEquals(Namespace.DEFAULT, s.namespaces(), "all namespaces but time");
        assertEquals(List.of(new Network.None()), s.networks(), "no network: loopback only");
        assertEquals(Resources.NONE, s.resources(), "no limits");
        assertEquals("/", s.workdir());
        assertEquals(UserRef.ROOT, s.user());
        assertFalse(s.readonlyRootfs());
        assertFalse(s.init());
    }

    @Test
    void usersHostIsTheIdentityMapAndNoUsersLeavesTheMapsToTheEngine() {
        ContainerSpec host = parse("image: busybox\ncommand: [true]\nusers: host\n").spec();
        assertEquals(List.of(new IdMapping(0, 0, 65536)), host.uidMappings());
        assertEquals(List.of(new IdMapping(0, 0, 65536)), host.gidMappings());
        ContainerSpec plain = parse("image: busybox\ncommand: [true]\n").spec();
        assertEquals(List.of(), plain.uidMappings(), "no users: the engine gives the container a range of its own");
    }

    @Test
    void relativePathsResolveAgainstTheSpecFolder(@TempDir Path tmp) throws IOException {
        Path base = Files.createDirectories(tmp.resolve("project/data")).getParent();
        ContainerSpec s = SpecParser.parse("""
                image: ./rootfs
                layers: [../shared/layer, site]
                command: [true]
                mounts: [{ source: ./data, target: /data }]
                """, "t.yaml", base, "fromfile", base.resolve("t.yaml"), List.of()).spec();
        assertEquals(new ImageRef.Directory(base.resolve("rootfs")), s.image());
        assertEquals(List.of(tmp.resolve("shared/layer"), base.resolve("site")), s.layers());
        assertEquals(base.resolve("data"), ((Mount.Bind) s.mounts().get(0)).source(), "a bind source must exist: it does");
        assertInstanceOf(ImageRef.Archive.class, parse("image: ./debian.tar.xz\ncommand: [true]").spec().image());
        assertEquals("debian", ImageRef.baseName("debian.tar.xz"));
        assertEquals("rootfs", ImageRef.baseName("rootfs.tgz"));
        assertEquals("notes.txt", ImageRef.baseName("notes.txt"));
    }

    @Test
    void fullSpec() {
        ContainerSpec s = parse("""
                name: web
                image: busybox
                command: [httpd, -f]
                args: [-p, 8080]
                env: { A: 1, B: two }
                workdir: /srv/www/
                user: www-data:33
                hostname: Web.local
                resources: { memory: 64Mi, swap: 0, cpu: 150%, cpuWeight: 200, pids: 50 }
                network: { bridge: br0, address: 10.0.0.5/24, gateway: 10.0.0.254 }
                namespaces: [user, mnt, pid, net, time]
                users: { uid: [{ container: 0, host: 100000, size: 65536 }] }
                mounts: [{ type: tmpfs, target: /tmp, size: 16Mi, readOnly: true }]
                readonlyRootfs: true
                init: true
                cgroupParent: /mygroup
                """).spec();
        assertEquals(List.of("httpd", "-f", "-p", "8080"), s.command());
        assertEquals(Map.of("A", "1", "B", "two"), s.env());
        assertEquals("/srv/www", s.workdir());
        assertEquals(new UserRef(null, 33L, "www-data", null), s.user());
        assertEquals(new Resources(64L << 20, 0L, 150.0, 200, 50L), s.resources());
        Network.Bridge b = (Network.Bridge) s.networks().get(0);
        assertEquals("br0", b.bridge());
        assertEquals("10.0.0.5/24", b.address().toString());
        assertEquals("10.0.0.0/24", b.subnet().toString());
        assertEquals("10.0.0.254", b.gateway().toString());
        assertTrue(s.namespaces().contains(Namespace.TIME));
        assertEquals(List.of(new IdMapping(0, 100000, 65536)), s.uidMappings());
        assertEquals(s.uidMappings(), s.gidMappings(), "gid mappings default to the uid ones");
        assertEquals(new Mount.Tmpfs("/tmp", 16L << 20, true), s.mounts().get(0));
        assertTrue(s.readonlyRootfs() && s.init());
        assertEquals("/mygroup", s.cgroupParent());
    }

    @Test
    void networkForms() {
        Network.Bridge def = (Network.Bridge) parse("image: b\ncommand: [x]\nnetwork: bridge").spec().networks().get(0);
        assertEquals("contain0", def.bridge());
        assertEquals("192.168.42.0/24", def.subnet().toString());
        assertEquals(null, def.address(), "allocated at run time");
        assertEquals("192.168.42.1", def.gateway().toString());
        ContainerSpec host = parse("image: b\ncommand: [x]\nnetwork: host").spec();
        assertFalse(host.namespaces().contains(Namespace.NET), "host network: no net namespace by default");
        assertEquals(List.of(new Network.Container("web")), parse("name: side\nimage: b\ncommand: [x]\nnetwork: container:web").spec().networks());
        List<Network> two = parse("""
                image: b
                command: [x]
                network:
                  - { bridge: net-ab, address: 10.10.1.2/24 }
                  - { bridge: net-bc, address: 10.10.2.2/24 }
                """).spec().networks();
        assertEquals(2, two.size());
    }

    @Test
    void commandLineOverridesAreValidatedAndNamedByFlag() {
        SpecOverrides o = new SpecOverrides().set("--memory", "resources.memory", "64MB").set("--name", "name", "other")
                .set("--ip", "network.address", "192.168.42.20/24").list("--", "command", List.of("echo", "hi"))
                .env("--env", Map.of("X", "1"));
        SpecResult bad = SpecParser.parse("image: busybox\ncommand: [true]\nargs: [a]\nenv: {Y: 2}\n", "t.yaml", BASE, "t", null, o.tuples());
        assertEquals(1, bad.problems().size());
        assertEquals("--memory: '64MB' is not a valid memory quantity: use bytes or a number with Ki, Mi, Gi "
                + "(powers of 1024) or k, M, G (powers of 1000), like 64Mi", bad.problems().get(0).toString());
        SpecOverrides good = new SpecOverrides().set("--memory", "resources.memory", "64Mi").set("--name", "name", "other")
                .set("--ip", "network.address", "192.168.42.20/24").list("--", "command", List.of("echo", "hi"))
                .env("--env", Map.of("X", "1"));
        ContainerSpec s = SpecParser.parse("image: busybox\ncommand: [true]\nargs: [a]\nenv: {Y: 2}\nresources: {cpu: 10%}\n",
                "t.yaml", BASE, "t", null, good.tuples()).spec();
        assertEquals("other", s.name());
        assertEquals(List.of("echo", "hi"), s.command(), "a command after -- replaces command and args");
        assertEquals(Map.of("X", "1", "Y", "2"), s.env());
        assertEquals(64L << 20, s.resources().memoryBytes());
        assertEquals(10.0, s.resources().cpuPercent(), "other resources stay");
        assertEquals("192.168.42.20/24", ((Network.Bridge) s.networks().get(0)).address().toString());
    }

    @Test
    void numbersInCommandsAreText() {
        assertEquals(List.of("sleep", "10", "true"), parse("image: b\ncommand: [sleep, 10, true]").spec().command());
    }

    @Test
    void anAddressFlagAppliesToOneBridgeNetworkOrIsRefused() {
        SpecOverrides ip = new SpecOverrides().set("--ip", "network.address", "10.9.0.5/24");
        java.util.function.Function<String, SpecResult> run = network ->
                SpecParser.parse("image: busybox\ncommand: [true]\n" + network, "t.yaml", BASE, "t", null, ip.tuples());
        for (String network : List.of("", "network: bridge\n", "network: {bridge: br-x}\n", "network: [{bridge: br-x}]\n", "network: [bridge]\n")) {
            SpecResult r = run.apply(network);
            assertEquals(List.of(), r.problems(), network);
            assertEquals("10.9.0.5/24", ((Network.Bridge) r.spec().networks().get(0)).address().toString(), network);
        }
        assertEquals("--ip: the spec's network is 'none'; this flag sets the address of a single bridge network (set addresses in the spec instead)",
                run.apply("network: none\n").problems().get(0).toString());
        assertEquals("--ip: the spec's network is 'host'; this flag sets the address of a single bridge network (set addresses in the spec instead)",
                run.apply("network: host\n").problems().get(0).toString());
        assertEquals("--ip: the spec's network is a list of 2 networks; this flag sets the address of a single bridge network (set addresses in the spec instead)",
                run.apply("network: [{bridge: a, subnet: 10.1.0.0/24}, {bridge: b, subnet: 10.2.0.0/24}]\n").problems().get(0).toString());
        assertEquals("--ip: 'address' only applies to network mode bridge, not host",
                run.apply("network: {mode: host}\n").problems().get(0).toString());
    }

    @Test
    void aCpuFlagWithoutPercentSaysSo() {
        SpecResult r = SpecParser.parse("image: busybox\ncommand: [true]\n", "t.yaml", BASE, "t", null,
                new SpecOverrides().set("--cpu", "resources.cpu", "100").tuples());
        assertEquals(List.of("--cpu: cpu 100 needs a % sign: 100% is one CPU, 50% half of one"), r.problems().stream().map(Problem::toString).toList());
        long all = SpecParser.maxCpuPercent();
        assertEquals(all, parse("image: b\ncommand: [x]\nresources: {cpu: " + all + "%}").spec().resources().cpuPercent(), 0.0,
                "all of this machine's CPUs is allowed");
        assertEquals(List.of("t.yaml:3:18: cpu " + (all + 1) + "% is more than the " + (all / 100) + " CPU" + (all == 100 ? "" : "s")
                + " this machine has; use at most " + all + "%"),
                parse("image: b\ncommand: [x]\nresources: {cpu: " + (all + 1) + "%}").problems().stream().map(Problem::toString).toList());
    }

    @Test
    void namespacesAreReadTheSameInEveryLocale() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(new java.util.Locale("tr", "TR")); // "time".toUpperCase() is "TİME" there
            assertEquals(List.of(), parse("image: b\ncommand: [x]\nnamespaces: [mnt, time, ipc]").problems());
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }

    @Test
    void imageReferencesAndTheCommandTheImageMayGive() {
        assertEquals(new ImageRef.Stored("docker.io/library/alpine:3.19"), parse("image: docker.io/library/alpine:3.19").spec().image());
        ImageRef.Reference r = ImageRef.Reference.parse("localhost:5000/team/app:1.0@sha256:" + "a".repeat(64));
        assertEquals(new ImageRef.Reference("localhost:5000", "team/app", "1.0", "sha256:" + "a".repeat(64)), r);
        assertEquals(new ImageRef.Reference(null, "library/alpine", null, null), ImageRef.Reference.parse("library/alpine"));
        assertInstanceOf(ImageRef.Directory.class, parse("image: images/rootfs\ncommand: [true]").spec().image(), "a path, as before");
        assertInstanceOf(ImageRef.Stored.class, parse("image: alpine@sha256:" + "b".repeat(64)).spec().image());
        assertEquals(null, ImageRef.Reference.parse("Alpine"));
        assertTrue(parse("image: UPPER:1\n").problems().get(0).message().contains("is not an image name"));
        ContainerSpec noCommand = parse("image: alpine\nargs: [-c, 'echo hi']").spec();
        assertEquals(List.of("-c", "echo hi"), noCommand.command());
        assertEquals(false, noCommand.hasCommand());
        assertEquals(true, parse("image: alpine\ncommand: [sh]").spec().hasCommand());
    }
}
