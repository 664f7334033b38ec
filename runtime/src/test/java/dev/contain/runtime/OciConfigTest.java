package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.cgroup.DeviceRule;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.ids.IdMap;
import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.kernel.SeccompCompiler;
import dev.contain.runtime.security.SeccompCache;
import dev.contain.runtime.kernel.SeccompRules;
import dev.contain.runtime.oci.OciPlanner;
import dev.contain.runtime.oci.OciProcess;
import dev.contain.runtime.oci.OciSpec;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.LinuxFlags;
import dev.contain.runtime.plan.NamespaceJoin;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.Security;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json to plans: runc's own `runc spec` output (root and rootless), podman's generated config, and every refusal. */
class OciConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    private Path bundle;
    private Path cgroupRoot;
    private final List<SeccompRules> compiled = new ArrayList<>();

    @BeforeEach
    void bundle() throws IOException {
        bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.createDirectories(bundle.resolve("rootfs"));
        cgroupRoot = Files.createDirectories(tmp.resolve("cgroup"));
        Files.writeString(cgroupRoot.resolve("cgroup.controllers"), "cpu memory pids\n");
        Files.writeString(cgroupRoot.resolve("cgroup.subtree_control"), "cpu memory pids\n");
    }

    private Plan plan(ObjectNode config) throws Exception {
        Files.writeString(bundle.resolve("config.json"), config.toPrettyString());
        CgroupLayout layout = CgroupLayout.parse("28 25 0:26 / " + cgroupRoot + " rw - cgroup2 cgroup2 rw\n", "0::/\n");
        SeccompCompiler fake = rules -> {
            compiled.add(rules);
            return new SeccompCompiler.Compiled(new byte[8], List.of());
        };
        Files.createDirectories(tmp.resolve("sys-dev-block/254:0"));
        return new OciPlanner(EngineConfig.of(tmp.resolve("data"), tmp.resolve("oci")),
                new CgroupPlanner(layout, new FakeCgroupKernel(cgroupRoot, false), tmp.resolve("sys-dev-block")), fake).plan("c1", bundle);
    }

    private ContainerError refused(ObjectNode config) {
        return assertThrows(ContainerError.class, () -> plan(config));
    }

    private static ObjectNode fixture(String name) throws IOException {
        try (var in = OciConfigTest.class.getResourceAsStream("/oci/" + name)) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    /** runc spec's config with the terminal off (a terminal needs a console socket, which create checks). */
    private static ObjectNode runcSpec() throws IOException {
        ObjectNode c = fixture("runc-spec.json");
        ((ObjectNode) c.get("process")).put("terminal", false);
        return c;
    }

    private static <T extends InitOp> List<T> ops(Plan p, Class<T> kind) {
        List<T> out = new ArrayList<>();
        for (InitOp op : p.ops()) {
            if (kind.isInstance(op)) out.add(kind.cast(op));
        }
        return out;
    }

    private static InitOp.Mount mountOn(Plan p, String target) {
        return ops(p, InitOp.Mount.class).stream().filter(m -> m.target().equals(target) && (m.flags() & LinuxFlags.MS_REMOUNT) == 0)
                .findFirst().orElseThrow(() -> new AssertionError("no mount on " + target + " in " + p.ops()));
    }

    @Test
    void runcSpecBecomesAPlan() throws Exception {
        Plan p = plan(runcSpec());
        assertEquals("c1", p.name());
        assertNull(p.image());
        assertEquals(bundle.resolve("rootfs"), p.rootfs());
        assertEquals(tmp.resolve("oci/c1"), p.stateDir());
        assertEquals(LinuxFlags.CLONE_NEWPID | LinuxFlags.CLONE_NEWNET | LinuxFlags.CLONE_NEWIPC | LinuxFlags.CLONE_NEWUTS
                | LinuxFlags.CLONE_NEWNS, p.cloneFlags());
        assertEquals(List.of("sh"), p.argv());
        assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"), p.env());
        assertEquals("/", p.cwd());
        assertEquals(IdPlan.NONE, p.ids());
        // the root bound onto itself first (after make_private), pivot_root last
        assertEquals(new InitOp.MakePrivate(), p.ops().get(0));
        assertEquals(new InitOp.Mount(bundle.resolve("rootfs").toString(), "/", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REC, ""), p.ops().get(1));
        assertEquals(new InitOp.PivotRoot("/"), p.ops().get(p.ops().size() - 1));
        assertEquals(new InitOp.Mount("proc", "/proc", "proc", 0, ""), mountOn(p, "/proc"));
        assertEquals(new InitOp.Mount("tmpfs", "/dev", "tmpfs", LinuxFlags.MS_NOSUID | LinuxFlags.MS_STRICTATIME, "mode=755,size=65536k"), mountOn(p, "/dev"));
        assertEquals(new InitOp.Mount("devpts", "/dev/pts", "devpts", LinuxFlags.MS_NOSUID | LinuxFlags.MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620,gid=5"), mountOn(p, "/dev/pts"));
        assertEquals(new InitOp.Mount("sysfs", "/sys", "sysfs", LinuxFlags.MS_NOSUID | LinuxFlags.MS_NOEXEC | LinuxFlags.MS_NODEV
                | LinuxFlags.MS_RDONLY, ""), mountOn(p, "/sys"));
        assertEquals(new InitOp.Mount(cgroupRoot.resolve("contain/c1").toString(), "/sys/fs/cgroup", "", LinuxFlags.MS_BIND, ""),
                mountOn(p, "/sys/fs/cgroup")); // the container's own cgroup, read-only
        assertTrue(p.ops().contains(new InitOp.Symlink("pts/ptmx", "/dev/ptmx")));
        assertTrue(p.ops().contains(new InitOp.Mount("/dev/null", "/dev/null", "", LinuxFlags.MS_BIND, "")));
        assertTrue(p.ops().contains(new InitOp.Hostname("runc")));
        // masked and read-only paths after the mounts, before the read-only root
        int mask = p.ops().indexOf(new InitOp.Mask("/proc/kcore"));
        int ro = p.ops().indexOf(new InitOp.Readonly("/proc/sys"));
        int root = p.ops().indexOf(new InitOp.Mount("", "/", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REMOUNT | LinuxFlags.MS_RDONLY, ""));
        assertTrue(mask > p.ops().indexOf(mountOn(p, "/dev/mqueue")) && ro > mask && root > ro, p.ops().toString());
        Security s = p.security();
        long caps = 1L << 29 | 1L << 5 | 1L << 10; // AUDIT_WRITE, KILL, NET_BIND_SERVICE
        // runc spec asks for ambient capabilities but none inheritable: the kernel would refuse to raise them
        assertEquals(new Security.Caps(caps, caps, caps, 0, 0), s.caps());
        assertEquals(List.of(Security.Rlimit.of("nofile", 1024, 1024)), s.rlimits());
        assertTrue(s.noNewPrivs());
        assertNull(s.seccomp());
        assertEquals(List.of(new DeviceRule('c', -1, -1, "m"), new DeviceRule('b', -1, -1, "m")), p.cgroup().deviceFilter().subList(0, 2));
        assertEquals(DeviceRule.DEFAULT, p.cgroup().deviceFilter());
    }

    /** What podman 4.3 generates for `podman run --rm --network none IMAGE echo hi` (cgroupfs), its folders in the bundle. */
    @Test
    void podmansConfigBecomesAPlan() throws Exception {
        Path userdata = Files.createDirectories(bundle.resolve("userdata"));
        Files.createDirectories(userdata.resolve("shm"));
        for (String f : List.of(".containerenv", "hostname", "hosts")) {
            Files.writeString(userdata.resolve(f), "");
        }
        ObjectNode c = (ObjectNode) JSON.readTree(new String(OciConfigTest.class.getResourceAsStream("/oci/podman-run.json").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8).replace("@USERDATA@", userdata.toString()));
        Plan p = plan(c);
        assertEquals(List.of("echo", "hi"), p.argv());
        assertEquals(Integer.valueOf(18), p.security().umask());
        assertEquals(List.of(Security.Rlimit.of("nofile", 1048576, 1048576), Security.Rlimit.of("nproc", 32768, 32768)), p.security().rlimits());
        assertEquals(0xa80425fbL & ~(1L << 27 | 1L << 13 | 1L << 29), p.security().caps().bounding()); // docker's less MKNOD, NET_RAW, AUDIT_WRITE
        assertEquals(SeccompRules.errno(38), compiled.get(0).defaultAction());
        assertTrue(compiled.get(0).rules().contains(new SeccompRules.Rule("socket", SeccompRules.errno(22),
                List.of(new SeccompRules.Cmp(0, 4, 16, 0), new SeccompRules.Cmp(2, 4, 9, 0)))));
        assertTrue(compiled.get(0).rules().contains(new SeccompRules.Rule("personality", SeccompRules.ACT_ALLOW,
                List.of(new SeccompRules.Cmp(0, 4, 4294967295L, 0)))));
        assertTrue(p.ops().contains(new InitOp.Write("/proc/sys/net/ipv4/ping_group_range", "0 0")));
        assertEquals(cgroupRoot.resolve("libpod_parent/libpod-65db655fb5910d41c30ecb7c6595bede2e0520861d92e27e19e647f1e8cd2306"),
                p.cgroup().dirs().get(0).path());
        assertTrue(p.cgroup().limits().stream().anyMatch(w -> w.file().getFileName().toString().equals("pids.max") && w.value().equals("2048")));
        int shm = p.ops().indexOf(new InitOp.Mount(userdata.resolve("shm").toString(), "/dev/shm", "", LinuxFlags.MS_BIND, ""));
        assertEquals(new InitOp.Mount("", "/dev/shm", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REMOUNT | LinuxFlags.MS_NOSUID
                | LinuxFlags.MS_NOEXEC | LinuxFlags.MS_NODEV, ""), p.ops().get(shm + 1));
        assertEquals(new InitOp.Mount("", "/dev/shm", "", LinuxFlags.MS_PRIVATE | LinuxFlags.MS_REC, ""), p.ops().get(shm + 2));
        assertTrue(p.ops().contains(new InitOp.Mask("/sys/dev/block")));
        assertTrue(p.ops().contains(new InitOp.Hostname("65db655fb591")));
    }

    /** runc spec's terminal: true is the runtime's (a console socket, checked by create), not the plan's. */
    @Test
    void runcSpecAsItIsAsksForATerminal() throws Exception {
        ObjectNode c = fixture("runc-spec.json");
        plan(c);
        OciProcess process = OciPlanner.process("c1", c);
        assertTrue(process.terminal());
        assertEquals(List.of("sh"), process.args());
        ((ObjectNode) c.get("process")).putObject("consoleSize").put("height", 70000).put("width", 80);
        assertEquals("c1: config.json: process.consoleSize.height: not a terminal size (0 to 65535)", refused(c).userMessage());
    }

    @Test
    void rootlessSpecHasAUserNamespaceAndBindsSys() throws Exception {
        ObjectNode c = fixture("runc-spec-rootless.json");
        ((ObjectNode) c.get("process")).put("terminal", false);
        Plan p = plan(c);
        assertTrue((p.cloneFlags() & LinuxFlags.CLONE_NEWUSER) != 0);
        assertTrue((p.cloneFlags() & LinuxFlags.CLONE_NEWNET) == 0);
        assertEquals(IdPlan.Kind.EXPLICIT, p.ids().kind());
        assertEquals(List.of(new IdMap(0, 0, 1)), p.ids().uid());
        assertEquals(new InitOp.Mount("/sys", "/sys", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REC, ""), mountOn(p, "/sys"));
        assertTrue(p.ops().contains(new InitOp.Mount("", "/sys", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REMOUNT
                | LinuxFlags.MS_NOSUID | LinuxFlags.MS_NOEXEC | LinuxFlags.MS_NODEV | LinuxFlags.MS_RDONLY, "")));
    }

    @Test
    void ourOwnSpecCommandWritesAConfigThatPlans() throws Exception {
        Plan p = plan((ObjectNode) JSON.readTree(OciSpec.defaultConfig(false)));
        assertEquals(List.of("sh"), p.argv());
        assertTrue(p.ops().contains(new InitOp.Hostname("contain")));
    }

    @Test
    void bindMountsWithOptionsAndPropagation() throws Exception {
        ObjectNode c = runcSpec();
        Path data = Files.createDirectories(tmp.resolve("data-dir"));
        Files.writeString(bundle.resolve("hosts"), "127.0.0.1 localhost\n");
        ArrayNode mounts = (ArrayNode) c.get("mounts");
        mounts.addObject().put("destination", "/data").put("type", "bind").put("source", data.toString())
                .putArray("options").add("rbind").add("ro").add("nosuid").add("nodev").add("noexec").add("relatime").add("rslave");
        mounts.addObject().put("destination", "/etc/hosts").put("type", "bind").put("source", "hosts").putArray("options").add("bind");
        mounts.addObject().put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs")
                .putArray("options").add("nosuid").add("size=1m").add("mode=1777");
        Plan p = plan(c);
        List<InitOp> ops = p.ops();
        int i = ops.indexOf(new InitOp.Mount(data.toString(), "/data", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REC, ""));
        assertEquals(new InitOp.Mkdir("/data", 0755), ops.get(i - 1));
        assertEquals(new InitOp.Mount("", "/data", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REMOUNT | LinuxFlags.MS_RDONLY | LinuxFlags.MS_NOSUID
                | LinuxFlags.MS_NODEV | LinuxFlags.MS_NOEXEC | LinuxFlags.MS_RELATIME, ""), ops.get(i + 1));
        assertEquals(new InitOp.Mount("", "/data", "", LinuxFlags.MS_SLAVE | LinuxFlags.MS_REC, ""), ops.get(i + 2));
        int h = ops.indexOf(new InitOp.Mount(bundle.resolve("hosts").toString(), "/etc/hosts", "", LinuxFlags.MS_BIND, "")); // relative: the bundle's
        assertEquals(new InitOp.Touch("/etc/hosts"), ops.get(h - 1));
        assertEquals(new InitOp.Mount("tmpfs", "/tmp", "tmpfs", LinuxFlags.MS_NOSUID, "size=1m,mode=1777"), mountOn(p, "/tmp"));
    }

    @Test
    void processUserResourcesSysctlAndNetworkByPath() throws Exception {
        ObjectNode c = runcSpec();
        ObjectNode process = (ObjectNode) c.get("process");
        process.putObject("user").put("uid", 1000).put("gid", 100).put("umask", 18).putArray("additionalGids").add(10).add(20);
        process.put("oomScoreAdj", 100).put("cwd", "/home");
        ObjectNode linux = (ObjectNode) c.get("linux");
        ArrayNode ns = linux.putArray("namespaces");
        for (String n : List.of("pid", "ipc", "uts", "mount", "cgroup")) ns.addObject().put("type", n);
        ns.addObject().put("type", "network").put("path", "/run/netns/test");
        ObjectNode r = (ObjectNode) linux.get("resources");
        r.putObject("memory").put("limit", 64L << 20).put("swap", 96L << 20);
        r.putObject("cpu").put("shares", 1024).put("quota", 50000).put("period", 100000);
        r.putObject("pids").put("limit", 100);
        ((ArrayNode) r.get("devices")).addObject().put("allow", true).put("type", "c").put("major", 10).put("minor", 200).put("access", "rwm");
        linux.putObject("sysctl").put("net.ipv4.ping_group_range", "0 0").put("kernel.shmmax", "1000");
        linux.put("cgroupsPath", "/libpod_parent/libpod-c1");
        c.put("domainname", "example.org");
        Plan p = plan(c);
        assertEquals(1000, p.uid());
        assertEquals(100, p.gid());
        assertEquals(List.of(10L, 20L), p.groups());
        assertEquals("/home", p.cwd());
        assertEquals(Integer.valueOf(18), p.security().umask());
        assertEquals(Integer.valueOf(100), p.security().oomScoreAdj());
        assertEquals(List.of(NamespaceJoin.network(Path.of("/run/netns/test"))), p.joins());
        assertEquals(0, p.cloneFlags() & (LinuxFlags.CLONE_NEWNET | LinuxFlags.CLONE_NEWCGROUP)); // joined; cgroup unshared after
        assertEquals(new InitOp.Unshare(LinuxFlags.CLONE_NEWCGROUP), p.ops().get(0));
        assertTrue(p.ops().contains(new InitOp.Write("/proc/sys/net/ipv4/ping_group_range", "0 0")));
        assertTrue(p.ops().contains(new InitOp.Write("/proc/sys/kernel/shmmax", "1000")));
        assertTrue(p.ops().contains(new InitOp.Write("/proc/sys/kernel/domainname", "example.org")));
        assertTrue(p.ops().indexOf(new InitOp.Write("/proc/sys/kernel/shmmax", "1000")) < p.ops().indexOf(new InitOp.Readonly("/proc/sys")));
        assertEquals(cgroupRoot.resolve("libpod_parent/libpod-c1"), p.cgroup().dirs().get(0).path());
        assertEquals(Long.valueOf(64L << 20), p.cgroup().memoryLimit());
        List<String> writes = p.cgroup().limits().stream().map(w -> w.file().getFileName() + "=" + w.value()).toList();
        assertTrue(writes.contains("memory.max=" + (64L << 20)), writes.toString());
        assertTrue(writes.contains("memory.swap.max=" + (32L << 20)), writes.toString());
        assertTrue(writes.contains("pids.max=100"), writes.toString());
        assertTrue(writes.contains("cpu.weight=39"), writes.toString()); // runc's shares 1024 -> weight
        assertTrue(p.cgroup().limits().stream().anyMatch(w -> w.cpuPercent() != null && w.cpuPercent() == 50.0));
        List<DeviceRule> rules = new ArrayList<>(List.of(new DeviceRule('c', 10, 200, "rwm")));
        rules.addAll(DeviceRule.DEFAULT);
        assertEquals(rules, p.cgroup().deviceFilter(), "the configured rules in their order, then the ones /dev needs (as runc appends them)");
    }

    /** The planner's own compiler, libseccomp: what it compiles is kept in the data root (see SeccompCache). */
    private Plan planWithLibseccomp(ObjectNode config) throws Exception {
        Files.writeString(bundle.resolve("config.json"), config.toPrettyString());
        CgroupLayout layout = CgroupLayout.parse("28 25 0:26 / " + cgroupRoot + " rw - cgroup2 cgroup2 rw\n", "0::/\n");
        Files.createDirectories(tmp.resolve("sys-dev-block/254:0"));
        return new OciPlanner(EngineConfig.of(tmp.resolve("data"), tmp.resolve("oci")),
                new CgroupPlanner(layout, new FakeCgroupKernel(cgroupRoot, false), tmp.resolve("sys-dev-block")), null).plan("c1", bundle);
    }

    @Test
    void aConfigsFilterIsCompiledOnceAndKeptByItsRules() throws Exception {
        ObjectNode c = runcSpec();
        ObjectNode s = linux(c).putObject("seccomp").put("defaultAction", "SCMP_ACT_ALLOW");
        s.putArray("syscalls").addObject().put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1).putArray("names").add("kexec_load");
        byte[] program = planWithLibseccomp(c).security().seccomp().program();
        Path cache = tmp.resolve("data/seccomp");
        List<Path> kept;
        try (var files = Files.list(cache)) {
            kept = files.toList();
        }
        assertEquals(1, kept.size(), "one program kept: " + kept);
        String name = kept.get(0).getFileName().toString();
        assertTrue(name.startsWith("rules-") && name.endsWith(".bpf"), name);
        String key = name.substring(0, name.length() - ".bpf".length());
        var entry = new SeccompCache(tmp.resolve("data")).read(key).orElseThrow();
        assertArrayEquals(program, entry.bpf());
        // the next plan takes the kept program, not a new compile: one put there under these very rules comes back
        byte[] allowAll = {0x06, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f}; // BPF_RET|BPF_K SECCOMP_RET_ALLOW
        new SeccompCache(tmp.resolve("data")).store(key, new SeccompCache.Entry(allowAll, 1, List.of(), entry.source()));
        assertArrayEquals(allowAll, planWithLibseccomp(c).security().seccomp().program(), "the kept program, the next time");

        // under that name, a program made from other rules (a CRC collision, or a file put there) is never taken:
        // the config's own is compiled again and replaces it
        new SeccompCache(tmp.resolve("data")).store(key, new SeccompCache.Entry(allowAll, 1, List.of("SCMP_ARCH_X86_64"), "[0,[],[]]"));
        assertArrayEquals(program, planWithLibseccomp(c).security().seccomp().program());
        assertEquals(entry.source(), new SeccompCache(tmp.resolve("data")).read(key).orElseThrow().source());
    }

    @Test
    void seccompInItsOciForm() throws Exception {
        ObjectNode c = runcSpec();
        ObjectNode s = ((ObjectNode) c.get("linux")).putObject("seccomp");
        s.put("defaultAction", "SCMP_ACT_ERRNO").put("defaultErrnoRet", 38);
        s.putArray("architectures").add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
        s.putArray("flags").add("SECCOMP_FILTER_FLAG_SPEC_ALLOW");
        ArrayNode calls = s.putArray("syscalls");
        ObjectNode allow = calls.addObject().put("action", "SCMP_ACT_ALLOW");
        allow.putArray("names").add("read").add("write");
        ObjectNode personality = calls.addObject().put("action", "SCMP_ACT_ALLOW");
        personality.putArray("names").add("personality");
        personality.putArray("args").addObject().put("index", 0).put("value", 8).put("op", "SCMP_CMP_EQ");
        ObjectNode clone = calls.addObject().put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1);
        clone.putArray("names").add("clone");
        clone.putArray("args").addObject().put("index", 0).put("value", 2114060288L).put("valueTwo", 0).put("op", "SCMP_CMP_MASKED_EQ");
        ObjectNode same = calls.addObject().put("action", "SCMP_ACT_ERRNO").put("errnoRet", 38);
        same.putArray("names").add("kexec_load");
        Plan p = plan(c);
        assertEquals(4, p.security().seccomp().flags());
        SeccompRules rules = compiled.get(0);
        assertEquals(SeccompRules.errno(38), rules.defaultAction());
        assertEquals(List.of("x86", "x32"), rules.arches());
        assertEquals(List.of(new SeccompRules.Rule("read", SeccompRules.ACT_ALLOW, List.of()),
                new SeccompRules.Rule("write", SeccompRules.ACT_ALLOW, List.of()),
                new SeccompRules.Rule("personality", SeccompRules.ACT_ALLOW, List.of(new SeccompRules.Cmp(0, 4, 8, 0))),
                new SeccompRules.Rule("clone", SeccompRules.errno(1), List.of(new SeccompRules.Cmp(0, 7, 2114060288L, 0)))),
                rules.rules()); // kexec_load does what the default does: left out
    }

    private void assertRefused(String message, java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectNode c = runcSpec();
        change.accept(c);
        assertEquals("c1: config.json: " + message, refused(c).userMessage());
    }

    private static ObjectNode linux(ObjectNode c) {
        return (ObjectNode) c.get("linux");
    }

    @Test
    void whatCannotBeHonouredIsRefusedByName() throws Exception {
        assertRefused("linux.intelRdt: not supported", c -> linux(c).putObject("intelRdt").put("closID", "x"));
        assertRefused("linux.personality: not supported", c -> linux(c).putObject("personality").put("domain", "LINUX32"));
        assertRefused("hooks.prestart[0].path: not an absolute path: bin/true", c -> c.putObject("hooks").putArray("prestart").addObject().put("path", "bin/true"));
        assertRefused("hooks.poststop[1].timeout: must be more than 0 seconds", c -> {
            ArrayNode stop = c.putObject("hooks").putArray("poststop");
            stop.addObject().put("path", "/bin/true");
            stop.addObject().put("path", "/bin/true").put("timeout", 0);
        });
        assertRefused("hooks.startContainer[0].args[1]: not a string",
                c -> c.putObject("hooks").putArray("startContainer").addObject().put("path", "/bin/true").putArray("args").add("true").add(1));
        assertRefused("hooks.postStart: not supported", c -> c.putObject("hooks").putArray("postStart").addObject().put("path", "/bin/true"));
        assertRefused("vm: not supported", c -> c.putObject("vm").put("x", 1));
        assertRefused("process.apparmorProfile: not supported", c -> ((ObjectNode) c.get("process")).put("apparmorProfile", "p"));
        assertRefused("process.capabilities.bounding: unknown capability CAP_NOPE",
                c -> ((ArrayNode) c.get("process").get("capabilities").get("bounding")).add("CAP_NOPE"));
        assertRefused("linux.namespaces[0].path: not an absolute path: proc/1/ns/pid",
                c -> ((ObjectNode) linux(c).get("namespaces").get(0)).put("path", "proc/1/ns/pid"));
        assertRefused("linux.namespaces[4].path: /proc/self/ns/mnt is the host's mount namespace: the container's root would replace the host's",
                c -> ((ObjectNode) linux(c).get("namespaces").get(4)).put("path", "/proc/self/ns/mnt"));
        assertRefused("linux.namespaces: a new pid namespace inside a user namespace joined by path is not supported (join that one by path too, or make a new user namespace)",
                c -> ((ArrayNode) linux(c).get("namespaces")).addObject().put("type", "user").put("path", "/run/userns"));
        assertRefused("hostname: needs a uts namespace of the container's (new, or joined by path), not the host's",
                c -> ((ObjectNode) linux(c).get("namespaces").get(3)).put("path", "/proc/self/ns/uts"));
        assertRefused("mounts[0].type: mount type \"overlay\" on /proc is not supported (bind, rbind, proc, sysfs, tmpfs, devpts, mqueue, cgroup are)",
                c -> ((ObjectNode) c.get("mounts").get(0)).put("type", "overlay"));
        assertRefused("mounts[7].options: option \"idmap\" of the bind mount on /x is not supported", c -> ((ArrayNode) c.get("mounts")).addObject()
                .put("destination", "/x").put("type", "bind").put("source", "/tmp").putArray("options").add("rbind").add("idmap"));
        assertRefused("linux.sysctl.net.ipv4.ip_forward: not a sysctl of a namespace of the container (the host's would change)",
                c -> {
                    linux(c).putObject("sysctl").put("net.ipv4.ip_forward", "1");
                    ((ArrayNode) linux(c).get("namespaces")).remove(1); // no network namespace
                });
        assertRefused("linux.sysctl.vm.swappiness: not a sysctl of a namespace of the container (the host's would change)",
                c -> linux(c).putObject("sysctl").put("vm.swappiness", "1"));
        assertRefused("linux.resources.cpu.cpus: \"0-a\" is not a list of numbers and ranges such as 0-1,3",
                c -> ((ObjectNode) linux(c).get("resources")).putObject("cpu").put("cpus", "0-a"));
        assertRefused("linux.resources.hugepageLimits: the hugetlb controller is not available in " + cgroupRoot.resolve("cgroup.controllers"),
                c -> ((ObjectNode) linux(c).get("resources")).putArray("hugepageLimits").addObject().put("pageSize", "2MB").put("limit", 1));
        assertRefused("linux.resources.blockIO.weight: the io controller is not available in " + cgroupRoot.resolve("cgroup.controllers"),
                c -> ((ObjectNode) linux(c).get("resources")).putObject("blockIO").put("weight", 500));
        assertRefused("linux.resources.memory.kernel: kernel memory limits are deprecated (runtime-spec) and Linux ignores them since 5.16 "
                + "(memory.kmem.limit_in_bytes takes writes without effect)", c -> ((ObjectNode) linux(c).get("resources")).putObject("memory").put("kernel", 1 << 26));
        assertRefused("linux.resources.memory.swappiness: cgroup v2 has no swappiness of a cgroup (the system's vm.swappiness applies)",
                c -> ((ObjectNode) linux(c).get("resources")).putObject("memory").put("reservation", 1 << 26).put("swappiness", 10));
        assertRefused("linux.resources.memory.swappiness: 101 is outside 0..100",
                c -> ((ObjectNode) linux(c).get("resources")).putObject("memory").put("swappiness", 101));
        assertRefused("linux.resources.network.classID: this machine has no net_cls controller (no cgroup v1 hierarchy with it is mounted; cgroup v2 has none)",
                c -> ((ObjectNode) linux(c).get("resources")).putObject("network").put("classID", 1048577));
        assertRefused("linux.resources.network.priorities: this machine has no net_prio controller (no cgroup v1 hierarchy with it is mounted; cgroup v2 has none)",
                c -> ((ObjectNode) linux(c).get("resources")).putObject("network").putArray("priorities").addObject().put("name", "eth0").put("priority", 5));
        assertRefused("linux.seccomp.defaultAction: action SCMP_ACT_NOTIFY is not supported",
                c -> linux(c).putObject("seccomp").put("defaultAction", "SCMP_ACT_NOTIFY"));
        assertRefused("linux.cgroupsPath: \"machine.slice:libpod:c1\" is systemd's form; only cgroupfs paths are supported (no --systemd-cgroup)",
                c -> linux(c).put("cgroupsPath", "machine.slice:libpod:c1"));
        assertRefused("linux.devices[0].type: \"x\" is not a device type (c, b, u or p)",
                c -> linux(c).putArray("devices").addObject().put("path", "/dev/fuse").put("type", "x").put("major", 10).put("minor", 229));
        assertRefused("linux.devices[0].major: a device needs its major (0-4095) and minor (0-1048575) numbers",
                c -> linux(c).putArray("devices").addObject().put("path", "/dev/fuse").put("type", "c").put("minor", 229));
        assertRefused("linux.devices[0].path: \"/dev/../x\" is not an absolute, normalized path of a file",
                c -> linux(c).putArray("devices").addObject().put("path", "/dev/../x").put("type", "p"));
        assertRefused("linux.namespaces: a mount namespace is required (new, or joined by path)", c -> ((ArrayNode) linux(c).get("namespaces")).remove(4));
        assertRefused("root.path: " + bundle.resolve("nope") + " is not a folder", c -> ((ObjectNode) c.get("root")).put("path", "nope"));
        assertRefused("ociVersion: version 2.0.0 is not supported (1.x is)", c -> c.put("ociVersion", "2.0.0"));
        assertRefused("linux.resources.devices[1]: allowing every device is not supported (the list must start with a rule denying all)",
                c -> ((ArrayNode) linux(c).get("resources").get("devices")).addObject().put("allow", true).put("access", "rwm"));
    }

    /**
     * Create-time hooks: a sync point (the engine runs prestart and createRuntime) and the createContainer hooks, once
     * the mounts are made and before the root is made read-only and pivot_root; each hook's entry carries its argv, its
     * whole environment, its timeout and the state around the pid the process fills in.
     */
    @Test
    void createTimeHooksSitBeforeTheReadOnlyRootAndPivotRoot() throws Exception {
        ObjectNode c = runcSpec();
        ObjectNode hooks = c.putObject("hooks");
        hooks.putArray("createRuntime").addObject().put("path", "/usr/bin/netns-setup");
        ObjectNode cc = hooks.putArray("createContainer").addObject().put("path", "/usr/bin/prepare").put("timeout", 5);
        cc.putArray("args").add("prepare").add("--fast");
        cc.putArray("env").add("A=1");
        hooks.putArray("startContainer").addObject().put("path", "/bin/started");
        c.putObject("annotations").put("k", "v");
        Plan p = plan(c);
        List<String> keys = p.ops().stream().map(InitOp::key).toList();
        int sync = keys.indexOf("sync");
        int hook = keys.indexOf("hook");
        int readonlyRoot = -1;
        int lastMount = -1;
        for (int i = 0; i < p.ops().size(); i++) {
            if (p.ops().get(i) instanceof InitOp.Mount m && m.target().equals("/") && (m.flags() & LinuxFlags.MS_REMOUNT) != 0) {
                readonlyRoot = i;
            } else if (p.ops().get(i) instanceof InitOp.Mount) {
                lastMount = i;
            }
        }
        assertTrue(sync > lastMount && hook == sync + 1 && readonlyRoot == hook + 1
                && keys.indexOf("pivot_root") > readonlyRoot, keys.toString());
        assertEquals(1, keys.stream().filter(k -> k.equals("hook")).count(), "startContainer is not an operation: " + keys);
        InitOp.Hook h = (InitOp.Hook) p.ops().get(hook);
        assertEquals(List.of("createContainer[0]", "5"), h.fields().subList(0, 2));
        assertEquals(List.of("/usr/bin/prepare", "2", "prepare", "--fast", "A=1"), h.fields().subList(4, 9));
        JsonNode state = JSON.readTree(h.stateBeforePid() + "1" + h.stateAfterPid());
        assertEquals("creating", state.get("status").asText());
        assertEquals(1, state.get("pid").asLong());
        assertEquals("c1", state.get("id").asText());
        assertEquals(bundle.toString(), state.get("bundle").asText());
        assertEquals("v", state.get("annotations").get("k").asText());
    }

    @Test
    void withoutEngineHooksThereIsNoSyncPoint() throws Exception {
        ObjectNode c = runcSpec();
        c.putObject("hooks").putArray("poststart").addObject().put("path", "/bin/true");
        assertFalse(plan(c).ops().stream().anyMatch(op -> op instanceof InitOp.Sync || op instanceof InitOp.Hook));
        c.putObject("hooks").putArray("prestart").addObject().put("path", "/bin/true");
        assertEquals(1, plan(c).ops().stream().filter(op -> op instanceof InitOp.Sync).count());
    }

    /** Joined namespaces are the plan's join_ns entries; with a joined user namespace the new ones are unshared inside it, no maps written. */
    @Test
    void namespacesJoinedByPath() throws Exception {
        ObjectNode c = runcSpec();
        ArrayNode ns = linux(c).putArray("namespaces");
        ns.addObject().put("type", "mount");
        ns.addObject().put("type", "ipc");
        ns.addObject().put("type", "uts").put("path", "/run/uts1");
        ns.addObject().put("type", "pid").put("path", "/proc/9/ns/pid");
        Plan p = plan(c);
        assertEquals(List.of(new NamespaceJoin("uts", Path.of("/run/uts1")), new NamespaceJoin("pid", Path.of("/proc/9/ns/pid"))), p.joins());
        assertEquals(LinuxFlags.CLONE_NEWNS | LinuxFlags.CLONE_NEWIPC, p.cloneFlags());
        assertTrue(ops(p, InitOp.Hostname.class).size() == 1, "the hostname is set in a joined uts namespace, as runc does");
        ns.addObject().put("type", "user").put("path", "/run/user1");
        linux(c).putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 1000).put("size", 1);
        p = plan(c);
        assertEquals(0, p.cloneFlags());
        assertEquals(new InitOp.Unshare(LinuxFlags.CLONE_NEWNS | LinuxFlags.CLONE_NEWIPC), p.ops().get(0));
        assertEquals(IdPlan.NONE, p.ids());
        assertEquals(3, p.joins().size());
    }

    /** linux.devices: mknod with the exact mode and owner, allowed in the device cgroup; in a user namespace the host's node is bound. */
    @Test
    void devicesAreMadeOrBoundInAUserNamespace() throws Exception {
        ObjectNode c = runcSpec();
        ArrayNode d = linux(c).putArray("devices");
        d.addObject().put("path", "/dev/net/tun").put("type", "c").put("major", 10).put("minor", 200).put("fileMode", 0640).put("uid", 1).put("gid", 2);
        d.addObject().put("path", "/dev/fifo").put("type", "p");
        d.addObject().put("path", "/dev/null").put("type", "u").put("major", 1).put("minor", 3);
        Plan p = plan(c);
        assertEquals(List.of(new InitOp.Mknod("/dev/net/tun", 'c', 10, 200, 0640, 1, 2), new InitOp.Mknod("/dev/fifo", 'p', 0, 0, 0666, 0, 0),
                new InitOp.Mknod("/dev/null", 'c', 1, 3, 0666, 0, 0)), ops(p, InitOp.Mknod.class));
        assertTrue(ops(p, InitOp.Touch.class).stream().noneMatch(t -> t.path().equals("/dev/null")), "the default /dev/null is not bound as well");
        assertTrue(p.ops().indexOf(mountOn(p, "/dev")) < p.ops().indexOf(ops(p, InitOp.Mknod.class).get(0)));
        assertTrue(p.cgroup().deviceFilter().contains(new DeviceRule('c', 10, 200, "rwm")));
        ArrayNode ns = (ArrayNode) linux(c).get("namespaces");
        ns.addObject().put("type", "user");
        linux(c).putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        linux(c).putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        d.remove(2);
        d.remove(1);
        p = plan(c);
        assertTrue(ops(p, InitOp.Mknod.class).isEmpty());
        assertTrue(p.ops().contains(new InitOp.Mount("/dev/net/tun", "/dev/net/tun", "", LinuxFlags.MS_BIND, "")));
        ((ObjectNode) d.get(0)).put("minor", 201);
        assertEquals("c1: config.json: linux.devices[0].path: in a user namespace the host's /dev/net/tun is bound (mknod is not allowed there), "
                + "and it is not character device 10:201", refused(c).userMessage());
    }

    @Test
    void emptySectionsAskForNothing() throws Exception {
        ObjectNode c = runcSpec();
        c.putObject("hooks");
        linux(c).putArray("devices");
        linux(c).put("mountLabel", "");
        c.put("org.example.extension", "x"); // an unknown property: ignored, as runtime-spec requires
        plan(c); // no exception
    }

    /** rootfsPropagation: slave from the start (host mounts come in, none go out), and the root's own after pivot_root. */
    @Test
    void rootPropagationAsRuncSetsIt() throws Exception {
        ObjectNode c = runcSpec();
        linux(c).put("rootfsPropagation", "rslave");
        Plan p = plan(c);
        InitOp slave = new InitOp.RootPropagation(LinuxFlags.MS_SLAVE | LinuxFlags.MS_REC);
        assertEquals(slave, p.ops().get(0));
        assertEquals(slave, p.ops().get(p.ops().size() - 1));
        assertTrue(p.ops().get(p.ops().size() - 2) instanceof InitOp.PivotRoot);
        linux(c).put("rootfsPropagation", "shared");
        p = plan(c);
        assertEquals(new InitOp.MakePrivate(), p.ops().get(0));
        assertEquals(new InitOp.RootPropagation(LinuxFlags.MS_SHARED), p.ops().get(p.ops().size() - 1));
        linux(c).put("rootfsPropagation", "sideways");
        assertEquals("c1: config.json: linux.rootfsPropagation: \"sideways\" is not a propagation (shared, slave, private, unbindable, r...)",
                refused(c).userMessage());
    }

    @Test
    void aMissingMalformedOrHugeConfigIsNamed() throws Exception {
        Path file = bundle.resolve("config.json");
        assertEquals("c1: config.json: no config.json at " + file,
                assertThrows(ContainerError.class, () -> OciPlanner.read("c1", bundle)).userMessage());
        Files.writeString(file, "[1]");
        assertEquals("c1: config.json: config.json " + file + ": not a JSON object",
                assertThrows(ContainerError.class, () -> OciPlanner.read("c1", bundle)).userMessage());
        Files.writeString(file, "{\"process\": {\"args\": [\n");
        assertEquals("c1: config.json: config.json " + file + ": not valid JSON at line 2, column 1: unexpected end of input in an array",
                assertThrows(ContainerError.class, () -> OciPlanner.read("c1", bundle)).userMessage());
        try (var out = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(17L << 20); // sparse: the size alone is refused, nothing is read
        }
        assertEquals("c1: config.json: config.json " + file + " is 17 MiB; the most this runtime reads is 16 MiB",
                assertThrows(ContainerError.class, () -> OciPlanner.read("c1", bundle)).userMessage());
        Files.delete(file);
        Files.createDirectory(file);
        assertEquals("c1: config.json: config.json " + file + " is a folder, not a file",
                assertThrows(ContainerError.class, () -> OciPlanner.read("c1", bundle)).userMessage());
    }

    @Test
    void aCpusetIsWrittenWhereTheControllerIsEnabledAndRefusedByNameWhereNot() throws Exception {
        ObjectNode c = runcSpec();
        ((ObjectNode) linux(c).get("resources")).putObject("cpu").put("cpus", "0-1,3").put("mems", "0");
        ContainerError e = refused(c);
        assertTrue(e.userMessage().contains("the cpuset controller is not available in " + cgroupRoot.resolve("cgroup.controllers")), e.userMessage());
        Files.writeString(cgroupRoot.resolve("cgroup.controllers"), "cpuset cpu memory pids\n");
        Plan p = plan(c);
        List<String> writes = p.cgroup().limits().stream().map(w -> cgroupRoot.relativize(w.file()) + "=" + w.value()).toList();
        assertTrue(writes.containsAll(List.of("contain/c1/cpuset.cpus=0-1,3", "contain/c1/cpuset.mems=0")), writes.toString());
        assertTrue(p.cgroup().controllerEnables().stream().anyMatch(w -> w.value().equals("+cpuset")), "v2: handed down to the container");
    }

    /** blockIO where the io controller is (throttles to io.max, weights where blk-iocost gives io.weight), and each field refused with why where not. */
    @Test
    void blockIoAndHugepagesWhereTheControllersAreAndWhyNotWhereNot() throws Exception {
        Files.writeString(cgroupRoot.resolve("cgroup.controllers"), "cpu io memory hugetlb pids\n");
        ObjectNode c = runcSpec();
        ObjectNode b = ((ObjectNode) linux(c).get("resources")).putObject("blockIO");
        b.putArray("throttleReadBpsDevice").addObject().put("major", 254).put("minor", 0).put("rate", 1048576);
        b.putArray("throttleWriteIOPSDevice").addObject().put("major", 254).put("minor", 0).put("rate", 100);
        Plan p = plan(c);
        List<String> writes = p.cgroup().limits().stream().map(w -> cgroupRoot.relativize(w.file()) + "=" + w.value()).toList();
        assertEquals(List.of("contain/c1/io.max=254:0 rbps=1048576", "contain/c1/io.max=254:0 wiops=100"), writes);
        b.put("weight", 500);
        assertTrue(refused(c).userMessage().startsWith("c1: config.json: linux.resources.blockIO.weight: this kernel's io controller has no weight file"));
        Files.writeString(cgroupRoot.resolve("io.cost.qos"), "");
        b.putArray("weightDevice").addObject().put("major", 254).put("minor", 0).put("leafWeight", 300);
        assertEquals("c1: config.json: linux.resources.blockIO.weightDevice[0].leafWeight: cgroup v2's io controller has no leaf weight", refused(c).userMessage());
        b.remove("weightDevice");
        b.put("weight", 5);
        assertEquals("c1: config.json: linux.resources.blockIO.weight: 5 is outside 10..1000", refused(c).userMessage());
        b.put("weight", 500);
        ((ObjectNode) b.get("throttleReadBpsDevice").get(0)).put("minor", 1);
        assertEquals("c1: config.json: linux.resources.blockIO.throttleReadBpsDevice[0]: there is no block device 254:1 (no "
                + tmp.resolve("sys-dev-block/254:1") + ")", refused(c).userMessage());
        ((ObjectNode) b.get("throttleReadBpsDevice").get(0)).put("minor", 0);
        b.put("weight", 500);
        assertTrue(plan(c).cgroup().limits().stream().anyMatch(w -> w.value().equals("default 4950")));
        ((ObjectNode) linux(c).get("resources")).putArray("hugepageLimits").addObject().put("pageSize", "3MB").put("limit", 1 << 22);
        assertTrue(refused(c).userMessage().startsWith("c1: config.json: linux.resources.hugepageLimits[0].pageSize: \"3MB\" is not a huge page size of this machine ("),
                refused(c).userMessage());
    }
}
