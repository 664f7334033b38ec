package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.ids.IdMap;
import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.kernel.LibSeccomp;
import dev.contain.runtime.kernel.LibSeccompFile;
import dev.contain.runtime.kernel.SeccompCompiler;
import dev.contain.runtime.plan.HostRoot;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.LinuxFlags;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.Planner;
import dev.contain.runtime.plan.PolicyOps;
import dev.contain.runtime.plan.Security;
import dev.contain.runtime.security.Platform;
import dev.contain.runtime.security.SeccompCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        return JsonFile.readObject(id, CONFIG, CONFIG, bundle.resolve(CONFIG));
    }

    /** The annotations of a config, as the state reports them. */
    public static Map<String, String> annotations(String id, JsonNode json) throws ContainerError {
        return new Node(id, "", json).stringMap("annotations");
    }

    public Plan plan(String id, Path bundle) throws ContainerError {
        return plan(id, bundle, read(id, bundle));
    }

    public Plan plan(String id, Path bundle, JsonNode json) throws ContainerError {
        return plan(id, bundle, json, 0, true);
    }

    /**
     * {@code listenFds}: socket-activation descriptors passed on (LISTEN_FDS): the command's env says so, as runc's does.
     * {@code newKeyring}: a session keyring of the container's own (runc's default; false with --no-new-keyring).
     */
    public Plan plan(String id, Path bundle, JsonNode json, int listenFds, boolean newKeyring) throws ContainerError {
        Node top = new Node(id, "", json);
        String version = top.string("ociVersion", null);
        if (version == null || !version.startsWith("1.")) {
            throw top.error("ociVersion", version == null ? "missing" : "version " + version + " is not supported (1.x is)");
        }
        top.stringMap("annotations"); // kept by the state, not the plan
        OciHooks hooks = OciHooks.read(top.object("hooks"));
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
        OciResources.Result resources = OciResources.read(linux.object("resources"), cgroups, false).allowing(devices.rules());
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
        OciProcess proc = OciProcess.read(process); // its terminal is the runtime's (console socket), not the plan's
        List<String> args = proc.args();
        List<String> env = proc.env();
        if (listenFds > 0) { // socket activation, as runc passes it on: the descriptors start at 3 in the command
            env = new ArrayList<>(env);
            env.removeIf(e -> e.startsWith("LISTEN_FDS=") || e.startsWith("LISTEN_PID="));
            env.add("LISTEN_FDS=" + listenFds);
            env.add("LISTEN_PID=1");
        }
        String cwd = proc.cwd();
        long uid = proc.uid();
        long gid = proc.gid();
        List<Long> groups = proc.groups();
        Security security = Security.NONE.withMasked(masked).withReadonly(readonly)
                .withNoNewPrivs(proc.noNewPrivileges()).withUmask(proc.umask()).withRlimits(proc.rlimits()).withNewKeyring(newKeyring);
        if (proc.caps() != null) {
            security = security.withCaps(proc.caps());
        }
        if (proc.oomScoreAdj() != null) {
            security = security.withOomScoreAdj(proc.oomScoreAdj());
        }
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
        List<InitOp> placed = withHooks(PolicyOps.place(ops, security, List.of(), null), hooks,
                OciRuntime.State.forHooks(id, bundle, rootfs, annotations(id, json)));
        return new Plan(id, false, null, stateDir, null, rootfs, null, null, List.of(),
                namespaces & ~unshared, cgroup, List.of(), nsr.joins(), ids,
                placed, List.copyOf(args), List.copyOf(env), cwd, uid, gid,
                List.copyOf(groups), false, security, List.of(), HostRoot.isInitramfs());
    }

    /**
     * The create-time hooks' place: once the mounts are made, before the root is made read-only and pivot_root: a sync
     * point where the engine runs prestart and createRuntime, then the createContainer hooks the process runs itself.
     */
    private static List<InitOp> withHooks(List<InitOp> ops, OciHooks hooks, OciRuntime.State state) {
        List<InitOp> mine = new ArrayList<>();
        if (!hooks.of(OciHooks.Kind.PRESTART).isEmpty() || !hooks.of(OciHooks.Kind.CREATE_RUNTIME).isEmpty()) {
            mine.add(new InitOp.Sync());
        }
        mine.addAll(hooks.forInit(OciHooks.Kind.CREATE_CONTAINER, state));
        if (mine.isEmpty()) {
            return ops;
        }
        int at = 0;
        while (at < ops.size() && !(ops.get(at) instanceof InitOp.PivotRoot || ops.get(at) instanceof InitOp.Hostname
                || ops.get(at) instanceof InitOp.Mount m && m.target().equals("/") && (m.flags() & LinuxFlags.MS_REMOUNT) != 0)) {
            at++;
        }
        List<InitOp> out = new ArrayList<>(ops);
        out.addAll(at, mine);
        return List.copyOf(out);
    }

    /** config.json's process (for its terminal and console size, which are the runtime's, not the plan's). */
    public static OciProcess process(String id, JsonNode json) throws ContainerError {
        Node process = new Node(id, "", json).object("process");
        if (process == null) {
            throw new Node(id, "", json).error("process", "missing");
        }
        return OciProcess.read(process);
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

    /**
     * The config's filter: from the data root's cache when these very rules were compiled before (podman and
     * containerd send the same profile with every container; a compile loads JNA and libseccomp, ~100 ms of a
     * create), else compiled with libseccomp and kept there. A test's compiler double is never cached.
     */
    private Security.Seccomp seccomp(String id, Node node) throws ContainerError {
        Platform platform;
        try {
            platform = Platform.current();
        } catch (IOException e) {
            throw new ContainerError(id, "security", "cannot read the kernel's facts: " + e.getMessage());
        }
        OciSeccomp.Result r = OciSeccomp.read(node, platform.scmpArch());
        Optional<String> lib = seccomp == null ? LibSeccompFile.identity() : Optional.empty();
        String source = lib.isPresent() ? SeccompCache.source(r.rules()) : null;
        String key = lib.isPresent() ? SeccompCache.keyForRules(source, platform, lib.get()) : null;
        SeccompCache cache = new SeccompCache(config.dataRoot());
        Optional<SeccompCache.Entry> hit = key == null ? Optional.empty() : cache.read(key, source);
        if (hit.isPresent()) {
            return new Security.Seccomp(r.flags(), hit.get().bpf(), CONFIG, hit.get().rules());
        }
        SeccompCompiler.Compiled compiled;
        try {
            compiled = (seccomp != null ? seccomp : new LibSeccomp(config.dataRoot())).compile(r.rules());
        } catch (IOException | RuntimeException e) {
            throw new ContainerError(id, "security", "cannot compile the seccomp filter of " + CONFIG + ": " + e.getMessage());
        }
        int rules = r.rules().rules().size() - compiled.unknownSyscalls().size();
        if (key != null) {
            try {
                cache.store(key, new SeccompCache.Entry(compiled.bpf(), rules, r.rules().arches(), source));
            } catch (IOException e) {
                // not kept (a full or read-only data root): the next create compiles it again
            }
        }
        return new Security.Seccomp(r.flags(), compiled.bpf(), CONFIG, rules);
    }
}
