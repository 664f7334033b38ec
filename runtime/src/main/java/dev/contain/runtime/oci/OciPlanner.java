package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.engine.EngineConfig;
import dev.contain.runtime.ids.IdMap;
import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.kernel.LibSeccomp;
import dev.contain.runtime.kernel.SeccompCompiler;
import dev.contain.runtime.plan.HostRoot;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.LinuxFlags;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.Planner;
import dev.contain.runtime.plan.PolicyOps;
import dev.contain.runtime.plan.Security;
import dev.contain.runtime.security.CapabilitySets;
import dev.contain.runtime.security.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The second front end: an OCI bundle's config.json (runtime-spec 1.0-1.2) to a {@link Plan}, which the same
 * stages carry out as a container.yaml's. Every field present is honoured or refused by name
 * ({@code linux.intelRdt: not supported}); nothing is silently ignored. The root is the bundle's folder as it
 * is (bound onto itself, no overlay), the state folder is under the OCI root, and the cgroup is cgroupsPath's.
 */
public final class OciPlanner {
    public static final String CONFIG = "config.json";
    /** runtime-spec's top-level properties: a known one not taken is refused, an unknown one ignored, as the spec says. */
    private static final java.util.Set<String> SPEC_KEYS = java.util.Set.of("ociVersion", "process", "root", "hostname", "domainname",
            "mounts", "hooks", "annotations", "linux", "solaris", "windows", "vm", "zos", "uidMappings", "gidMappings");
    private static final List<String> CAP_SETS = List.of("bounding", "effective", "permitted", "inheritable", "ambient");

    private final EngineConfig config;
    private final CgroupPlanner cgroups;
    private final SeccompCompiler seccomp;

    /** {@code config}: its run root is the OCI root (the state folders); its data root keeps JNA's library for libseccomp. */
    public OciPlanner(EngineConfig config, CgroupPlanner cgroups) {
        this(config, cgroups, null);
    }

    /** {@code seccomp}: null compiles with libseccomp when a config has a filter. */
    public OciPlanner(EngineConfig config, CgroupPlanner cgroups, SeccompCompiler seccomp) {
        this.config = config;
        this.cgroups = cgroups;
        this.seccomp = seccomp;
    }

    /** The bundle's config.json, parsed; an unreadable or malformed file is an error naming it. */
    public static JsonNode read(String id, Path bundle) throws ContainerError {
        Path file = bundle.resolve(CONFIG);
        try {
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            if (json == null || !json.isObject()) {
                throw new ContainerError(id, CONFIG, file + ": not a JSON object");
            }
            return json;
        } catch (IOException e) {
            throw new ContainerError(id, CONFIG, "cannot read " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The annotations of a config, as the state reports them. */
    public static Map<String, String> annotations(String id, JsonNode json) throws ContainerError {
        return new Node(id, "", json).stringMap("annotations");
    }

    public Plan plan(String id, Path bundle) throws ContainerError {
        return plan(id, bundle, read(id, bundle));
    }

    public Plan plan(String id, Path bundle, JsonNode json) throws ContainerError {
        return plan(id, bundle, json, 0);
    }

    /** {@code listenFds}: socket-activation descriptors passed on (LISTEN_FDS): the command's env says so, as runc's does. */
    public Plan plan(String id, Path bundle, JsonNode json, int listenFds) throws ContainerError {
        Node top = new Node(id, "", json);
        String version = top.string("ociVersion", null);
        if (version == null || !version.startsWith("1.")) {
            throw top.error("ociVersion", version == null ? "missing" : "version " + version + " is not supported (1.x is)");
        }
        top.stringMap("annotations"); // kept by the state, not the plan
        top.refuse("hooks", "hooks are not supported yet");
        Node root = top.object("root");
        if (root == null) {
            throw top.error("root", "missing");
        }
        Path rootfs = bundle.resolve(root.string("path", "")).normalize();
        boolean readonlyRoot = root.bool("readonly", false);
        root.done();
        if (!Files.isDirectory(rootfs)) {
            throw root.error("path", rootfs + " is not a folder");
        }
        String hostname = top.string("hostname", null);
        String domainname = top.string("domainname", null);

        Node linux = top.object("linux");
        if (linux == null) {
            throw top.error("linux", "missing");
        }
        OciNamespaces.Result nsr = OciNamespaces.read(linux);
        long namespaces = nsr.made();
        IdPlan ids = ids(linux, (namespaces & LinuxFlags.CLONE_NEWUSER) != 0, nsr.userJoined());
        OciDevices.Result devices = OciDevices.read(linux.objects("devices"), (namespaces & LinuxFlags.CLONE_NEWUSER) != 0 || nsr.userJoined());
        OciResources.Result resources = OciResources.read(linux.object("resources")).allowing(devices.rules());
        String cgroupsPath = linux.string("cgroupsPath", null);
        CgroupPlan cgroup = cgroup(linux, id, cgroupsPath, resources);
        Map<String, String> sysctl = linux.stringMap("sysctl");
        List<String> masked = linux.strings("maskedPaths");
        List<String> readonly = linux.strings("readonlyPaths");
        Node seccompNode = linux.object("seccomp");
        String propagation = linux.string("rootfsPropagation", "");
        Long rootPropagation = propagation.isEmpty() ? null : OciMounts.propagation(propagation);
        if (!propagation.isEmpty() && rootPropagation == null) {
            throw linux.error("rootfsPropagation", "\"" + propagation + "\" is not a propagation (shared, slave, private, unbindable, r...)");
        }
        for (String k : List.of("intelRdt", "personality", "timeOffsets", "mountLabel", "memoryPolicy", "netDevices")) {
            linux.refuse(k, "not supported");
        }

        Node process = top.object("process");
        if (process == null) {
            throw top.error("process", "missing");
        }
        if (process.bool("terminal", false)) {
            throw process.error("terminal", "a terminal (--console-socket) is not supported yet");
        }
        process.ignore("consoleSize"); // without a terminal it sizes nothing
        List<String> args = process.strings("args");
        if (args.isEmpty()) {
            throw process.error("args", "missing: the command to run");
        }
        List<String> env = new ArrayList<>(process.strings("env"));
        if (listenFds > 0) {
            env.removeIf(e -> e.startsWith("LISTEN_FDS=") || e.startsWith("LISTEN_PID="));
            env.add("LISTEN_FDS=" + listenFds);
            env.add("LISTEN_PID=1");
        }
        String cwd = process.string("cwd", "/");
        if (!cwd.startsWith("/")) {
            throw process.error("cwd", "not an absolute path: " + cwd);
        }
        Node user = process.object("user");
        long uid = 0;
        long gid = 0;
        List<Long> groups = new ArrayList<>();
        Integer umask = null;
        if (user != null) {
            uid = nonNegative(user, "uid");
            gid = nonNegative(user, "gid");
            groups.addAll(user.numbers("additionalGids"));
            Long u = user.number("umask");
            if (u != null && (u < 0 || u > 0777)) {
                throw user.error("umask", "not a umask (0 to 0777)");
            }
            umask = u == null ? null : u.intValue();
            user.refuse("username", "not supported on Linux");
            user.done();
        }
        Security security = Security.NONE.withMasked(masked).withReadonly(readonly)
                .withNoNewPrivs(process.bool("noNewPrivileges", false)).withUmask(umask);
        Node caps = process.object("capabilities");
        if (caps != null) {
            long[] m = new long[CAP_SETS.size()];
            for (int i = 0; i < m.length; i++) {
                for (String name : caps.strings(CAP_SETS.get(i))) {
                    int bit = CapabilitySets.bit(name);
                    if (bit < 0) {
                        throw caps.error(CAP_SETS.get(i), "unknown capability " + name);
                    }
                    m[i] |= 1L << bit;
                }
            }
            caps.done();
            // the kernel raises an ambient capability only if it is permitted and inheritable; `runc spec` asks for
            // ambient ones with no inheritable set, and runc and crun skip what cannot be raised: so do we
            long ambient = m[4] & m[2] & m[3];
            security = security.withCaps(new Security.Caps(m[0], m[1], m[2], m[3], ambient));
        }
        List<Security.Rlimit> rlimits = new ArrayList<>();
        for (Node r : process.objects("rlimits")) {
            String type = r.string("type", "");
            Long soft = r.unsigned("soft");
            Long hard = r.unsigned("hard");
            r.done();
            int resource = type.startsWith("RLIMIT_") ? Security.Rlimit.NAMES.indexOf(type.substring(7).toLowerCase(java.util.Locale.ROOT)) : -1;
            if (resource < 0 || soft == null || hard == null) {
                throw r.error(null, resource < 0 ? "unknown rlimit type \"" + type + "\"" : "soft and hard are required");
            }
            if (Long.compareUnsigned(soft, hard) > 0) {
                throw r.error("soft", "above the hard limit");
            }
            rlimits.add(new Security.Rlimit(resource, soft, hard));
        }
        security = security.withRlimits(rlimits);
        Long oom = process.number("oomScoreAdj");
        if (oom != null) {
            if (oom < -1000 || oom > 1000) {
                throw process.error("oomScoreAdj", "not between -1000 and 1000");
            }
            security = security.withOomScoreAdj(oom.intValue());
        }
        for (String k : List.of("apparmorProfile", "selinuxLabel", "commandLine", "ioPriority", "scheduler", "execCPUAffinity")) {
            process.refuse(k, "not supported");
        }
        process.done();
        if (seccompNode != null) {
            security = security.withSeccomp(seccomp(id, seccompNode));
        }

        List<InitOp> ops = new ArrayList<>();
        // made by clone, but: cgroup after the process is in its cgroup (that is its root), and every one after joining
        // a user namespace by path, so they belong to it
        long unshared = nsr.userJoined() ? namespaces : namespaces & LinuxFlags.CLONE_NEWCGROUP;
        if (unshared != 0) {
            ops.add(new InitOp.Unshare(unshared));
        }
        // nothing mounted in the container propagates to the host: "/" private, or a slave of the host's (rslave: host
        // mounts come in), as runc's rootfsPropagation; the root's own propagation is set after pivot_root
        boolean slave = rootPropagation != null && (rootPropagation & LinuxFlags.MS_SLAVE) != 0;
        ops.add(slave ? new InitOp.RootPropagation(LinuxFlags.MS_SLAVE | LinuxFlags.MS_REC) : new InitOp.MakePrivate());
        ops.add(new InitOp.Mount(rootfs.toString(), "/", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REC, "")); // a mount pivot_root takes
        boolean netns = (namespaces & LinuxFlags.CLONE_NEWNET) != 0; // a new one: sysfs of its own
        boolean devTmpfs = false;
        boolean devpts = false;
        for (Node m : top.objects("mounts")) {
            int before = ops.size();
            OciMounts.add(m, bundle, netns, cgroup, ops);
            for (InitOp op : ops.subList(before, ops.size())) {
                if (op instanceof InitOp.Mount mount && mount.type().equals("tmpfs") && mount.target().equals("/dev")) devTmpfs = true;
                if (op instanceof InitOp.Mount mount && mount.type().equals("devpts") && mount.target().equals("/dev/pts")) devpts = true;
            }
        }
        if (devTmpfs) { // runc's default devices and links in a /dev of its own, but those linux.devices makes
            List<InitOp> defaults = new ArrayList<>();
            Planner.deviceNodes(defaults);
            defaults.removeIf(op -> op instanceof InitOp.Touch t && devices.paths().contains(t.path())
                    || op instanceof InitOp.Mount d && devices.paths().contains(d.target()));
            ops.addAll(defaults);
            Planner.devSymlinks(ops);
            if (devpts) {
                ops.add(new InitOp.Symlink("pts/ptmx", "/dev/ptmx"));
            }
        }
        ops.addAll(devices.ops());
        for (Map.Entry<String, String> s : sysctl.entrySet()) {
            checkSysctl(linux, s.getKey(), nsr);
            ops.add(new InitOp.Write("/proc/sys/" + s.getKey().replace('.', '/'), s.getValue()));
        }
        if (domainname != null) {
            requireUts(top, "domainname", nsr);
            ops.add(new InitOp.Write("/proc/sys/kernel/domainname", domainname));
        }
        if (readonlyRoot) {
            ops.add(new InitOp.Mount("", "/", "", LinuxFlags.MS_BIND | LinuxFlags.MS_REMOUNT | LinuxFlags.MS_RDONLY, ""));
        }
        if (hostname != null) {
            requireUts(top, "hostname", nsr);
            ops.add(new InitOp.Hostname(hostname));
        }
        ops.add(new InitOp.PivotRoot("/"));
        if (rootPropagation != null) {
            ops.add(new InitOp.RootPropagation(rootPropagation));
        }
        top.doneIgnoringUnknown(SPEC_KEYS);
        linux.done();

        Path stateDir = config.runRoot().resolve(id);
        return new Plan(id, false, null, stateDir, null, rootfs, null, null, List.of(),
                namespaces & ~unshared, cgroup, List.of(), nsr.joins(), ids,
                PolicyOps.place(ops, security, List.of(), null), List.copyOf(args), List.copyOf(env), cwd, uid, gid,
                List.copyOf(groups), false, security, List.of(), HostRoot.isInitramfs());
    }

    private static long nonNegative(Node n, String key) throws ContainerError {
        Long v = n.number(key);
        if (v != null && (v < 0 || v > 4294967294L)) {
            throw n.error(key, "not an id (0 to 4294967294)");
        }
        return v == null ? 0 : v;
    }

    private static void requireUts(Node top, String key, OciNamespaces.Result ns) throws ContainerError {
        if (!ns.own(LinuxFlags.CLONE_NEWUTS)) {
            throw top.error(key, "needs a uts namespace of the container's (new, or joined by path), not the host's");
        }
    }

    /** As runc validates them: a sysctl of a namespace the container has, never one of the host's. */
    private static void checkSysctl(Node linux, String key, OciNamespaces.Result ns) throws ContainerError {
        boolean ipc = key.startsWith("kernel.msg") || key.startsWith("kernel.sem") || key.startsWith("kernel.shm")
                || key.startsWith("fs.mqueue.");
        boolean uts = key.equals("kernel.hostname") || key.equals("kernel.domainname");
        if (key.contains("/") || key.contains("..") || key.isEmpty()) {
            throw linux.error("sysctl." + key, "not a sysctl name");
        }
        if (ipc && ns.own(LinuxFlags.CLONE_NEWIPC) || uts && ns.own(LinuxFlags.CLONE_NEWUTS) || key.startsWith("net.") && ns.own(LinuxFlags.CLONE_NEWNET)) {
            return;
        }
        throw linux.error("sysctl." + key, "not a sysctl of a namespace of the container (the host's would change)");
    }

    /** A user namespace joined by path has the maps its owner wrote: none are written (mappings given then only describe them). */
    private IdPlan ids(Node linux, boolean userns, boolean joined) throws ContainerError {
        List<IdMap> uid = maps(linux.objects("uidMappings"));
        List<IdMap> gid = maps(linux.objects("gidMappings"));
        if (joined) {
            return IdPlan.NONE;
        }
        if (!userns) {
            if (!uid.isEmpty() || !gid.isEmpty()) {
                throw linux.error("uidMappings", "mappings without a user namespace");
            }
            return IdPlan.NONE;
        }
        if (uid.isEmpty() || gid.isEmpty()) {
            throw linux.error(uid.isEmpty() ? "uidMappings" : "gidMappings", "a user namespace needs mappings");
        }
        return new IdPlan(IdPlan.Kind.EXPLICIT, uid, gid, false, null, List.of(), null);
    }

    private static List<IdMap> maps(List<Node> nodes) throws ContainerError {
        List<IdMap> out = new ArrayList<>();
        for (Node n : nodes) {
            Long c = n.number("containerID");
            Long h = n.number("hostID");
            Long s = n.number("size");
            n.done();
            if (c == null || h == null || s == null || c < 0 || h < 0 || s <= 0) {
                throw n.error(null, "containerID, hostID and a positive size are required");
            }
            out.add(new IdMap(c, h, s));
        }
        return out;
    }

    /** cgroupsPath in cgroupfs form: "/a/b/c" from the hierarchy's root, "a/b" under the engine's; absent: ID under contain's parent. */
    private CgroupPlan cgroup(Node linux, String id, String path, OciResources.Result r) throws ContainerError {
        String parent = null;
        String leaf = id;
        if (path != null && !path.isEmpty()) {
            if (path.contains(":")) {
                throw linux.error("cgroupsPath", "\"" + path + "\" is systemd's form; only cgroupfs paths are supported (no --systemd-cgroup)");
            }
            Path p = Path.of(path).normalize();
            if (p.getFileName() == null || p.toString().contains("..")) {
                throw linux.error("cgroupsPath", "\"" + path + "\" names no cgroup");
            }
            leaf = p.getFileName().toString();
            parent = p.getParent() == null ? "" : p.getParent().toString();
        }
        CgroupPlan c = cgroups.plan(id, leaf, r.limits(), parent, false);
        return new CgroupPlan(c.v2(), c.dirs(), c.sharedParents(), c.controllerEnables(), c.limits(), c.warnings(), c.memoryLimit(),
                c.deviceFilter().isEmpty() ? List.of() : r.devices());
    }

    private Security.Seccomp seccomp(String id, Node node) throws ContainerError {
        String arch;
        try {
            arch = Platform.current().scmpArch();
        } catch (IOException e) {
            throw new ContainerError(id, "security", "cannot read the kernel's facts: " + e.getMessage());
        }
        OciSeccomp.Result r = OciSeccomp.read(node, arch);
        try {
            SeccompCompiler compiler = seccomp != null ? seccomp : new LibSeccomp(config.dataRoot());
            SeccompCompiler.Compiled compiled = compiler.compile(r.rules());
            return new Security.Seccomp(r.flags(), compiled.bpf(), CONFIG, r.rules().rules().size() - compiled.unknownSyscalls().size());
        } catch (IOException | RuntimeException e) {
            throw new ContainerError(id, "security", "cannot compile the seccomp filter of " + CONFIG + ": " + e.getMessage());
        }
    }
}
