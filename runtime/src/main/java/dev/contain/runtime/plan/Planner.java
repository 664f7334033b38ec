package dev.contain.runtime.plan;

import static dev.contain.runtime.plan.LinuxFlags.MS_BIND;
import static dev.contain.runtime.plan.LinuxFlags.MS_NODEV;
import static dev.contain.runtime.plan.LinuxFlags.MS_NOEXEC;
import static dev.contain.runtime.plan.LinuxFlags.MS_NOSUID;
import static dev.contain.runtime.plan.LinuxFlags.MS_RDONLY;
import static dev.contain.runtime.plan.LinuxFlags.MS_REC;
import static dev.contain.runtime.plan.LinuxFlags.MS_REMOUNT;
import static dev.contain.runtime.plan.LinuxFlags.MS_STRICTATIME;

import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.image.ImageStore;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.spec.ContainerSpec;
import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.ids.IdPlanner;
import dev.contain.spec.Mount;
import dev.contain.spec.Namespace;
import dev.contain.spec.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Spec to {@link Plan}: decides every path, id, mount and flag. Reads the image; writes nothing. */
public final class Planner {
    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");
    /** The container's root, as a container path. */
    private static final String ROOT = "/";
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final EngineConfig config;
    private final Kernel kernel;
    private final ImageStore images;
    private final CgroupPlanner cgroups;

    /** {@code kernel}: what planning reads of the machine (the image store, a running container's pid). */
    public Planner(EngineConfig config, Kernel kernel, CgroupPlanner cgroups) {
        this.config = config;
        this.kernel = kernel;
        this.images = new ImageStore(kernel, config.dataRoot());
        this.cgroups = cgroups;
    }

    /** What a run would do; writes nothing (the dry run's plan). */
    public Plan plan(ContainerSpec spec, boolean ignoreMissingLimits) throws ContainerError {
        return plan(spec, ignoreMissingLimits, false);
    }

    /**
     * {@code forRun}: the plan is about to be carried out, so what planning computed for later runs is kept (a
     * seccomp filter compiled because it was not in the cache is stored there). {@code ignoreMissingLimits}: a
     * limit this machine's cgroups cannot set is skipped with a warning instead of failing the run (run's flag).
     */
    public Plan plan(ContainerSpec spec, boolean ignoreMissingLimits, boolean forRun) throws ContainerError {
        String name = spec.name();
        ImageStore.Resolved image = images.resolve(name, spec.image());
        List<Path> lowerDirs = new ArrayList<>();
        for (int i = spec.layers().size() - 1; i >= 0; i--) { // overlayfs wants the top layer first
            Path layer = spec.layers().get(i);
            if (!Files.isDirectory(layer)) {
                throw new ContainerError(name, "rootfs", "layer " + layer + " is not a folder");
            }
            lowerDirs.add(layer);
        }
        lowerDirs.addAll(image.layers()); // top first
        Path stateDir = config.runRoot().resolve(name);
        Path containerDir = config.dataRoot().resolve("containers").resolve(name);
        Path rootfs = containerDir.resolve("rootfs");
        Path upper = containerDir.resolve("upper");
        Path work = containerDir.resolve("work");

        ImageDefaults defaults = new ImageDefaults(spec, image);
        IdPlan idPlan = new IdPlanner(config, cgroups.layout().mountinfo()).plan(name, spec.namespaces().contains(Namespace.USER), idMaps(spec.uidMappings()),
                idMaps(spec.gidMappings()), lowerDirs, containerDir);
        UserLookup.Ids ids = new UserLookup(lowerDirs, image.needsUnpack()).resolve(name, defaults.user());

        List<dev.contain.runtime.net.BridgeAttachment> bridges = new ArrayList<>();
        Path joinNetns = null;
        for (Network n : spec.networks()) {
            if (n instanceof Network.Bridge b) {
                bridges.add(new dev.contain.runtime.net.BridgeAttachment(b.bridge(), b.subnet(), b.address(), b.gateway(),
                        dev.contain.runtime.net.BridgeAttachment.vethName(name, bridges.size())));
            } else if (n instanceof Network.Container c) {
                joinNetns = Path.of("/proc", Long.toString(runningPid(name, c.name())), "ns", "net");
            }
        }
        CgroupPlan cgroup = cgroups.plan(name, limits(spec.resources()), spec.cgroupParent(), ignoreMissingLimits);
        // policy (capabilities, seccomp, masked paths...) and idmapped lower folders: decided here, applied by the init
        Security security = SecurityHook.plan(config.dataRoot(), name, spec.security(), ids.uid(), forRun);
        List<InitOp.Idmap> idmaps = LayerMounts.idmaps(idPlan, config.dataRoot(), containerDir);
        List<InitOp> ops = PolicyOps.place(mounts(spec, upper, work, idPlan, cgroup, idmaps, config.dataRoot(), containerDir),
                security, idmaps, null);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOSTNAME", spec.hostname());
        env.put("HOME", ids.home());
        env.putAll(defaults.env());
        env.putAll(spec.env());
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        return new Plan(name, spec.security().privileged(), image, stateDir, containerDir, rootfs, upper, work, List.copyOf(lowerDirs),
                cloneFlags(spec.namespaces()), cgroup, List.copyOf(bridges), joinNetns == null ? List.of() : List.of(NamespaceJoin.network(joinNetns)), idPlan,
                ops, defaults.argv(name), envList, defaults.workdir(), ids.uid(), ids.gid(), ids.groups(), spec.init(),
                security, idmaps, HostRoot.isInitramfs(cgroups.layout().mountinfo()));
    }

    /**
     * The same plan with other security and idmapped lower folders, its operations made again: what the
     * policy lines in {@link #plan} would have given (tests set init entries through it).
     */
    public static Plan withPolicy(Plan p, Security security, List<InitOp.Idmap> idmaps) {
        // the data root holds the container's folder (containers/NAME): the short links' folder
        String overlay = LayerMounts.overlayData(p.ids(), idmaps, p.containerDir().getParent().getParent(), p.containerDir(),
                p.upperDir(), p.workDir());
        List<InitOp> ops = PolicyOps.place(p.ops(), security, idmaps, overlay);
        return new Plan(p.name(), p.privileged(), p.image(), p.stateDir(), p.containerDir(), p.rootfs(), p.upperDir(), p.workDir(), p.lowerDirs(),
                p.cloneFlags(), p.cgroup(), p.bridges(), p.joins(), p.ids(), ops, p.argv(),
                p.env(), p.cwd(), p.uid(), p.gid(), p.groups(), p.reaper(), security, List.copyOf(idmaps), p.chrootFallback());
    }

    /**
     * The container's own cgroup, read-only at /sys/fs/cgroup, so programs that size themselves from their
     * limits (JVMs, Go, Node) see them: on v2 the folder itself, on v1 one folder per controller.
     */
    public static void cgroupMounts(List<InitOp> ops, String target, CgroupPlan cgroup) {
        if (cgroup.dirs().isEmpty()) {
            return;
        }
        long ro = MS_BIND | MS_REMOUNT | MS_RDONLY;
        if (cgroup.v2()) {
            ops.add(new InitOp.Mount(cgroup.dirs().get(0).path().toString(), target, "", MS_BIND, ""));
            ops.add(new InitOp.Mount("", target, "", ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
            return;
        }
        ops.add(new InitOp.Mount("cgroup", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"));
        for (CgroupPlan.Dir d : cgroup.dirs()) {
            ops.add(new InitOp.Mkdir(target + "/" + d.controller(), 0755));
            ops.add(new InitOp.Mount(d.path().toString(), target + "/" + d.controller(), "", MS_BIND, ""));
            ops.add(new InitOp.Mount("", target + "/" + d.controller(), "", ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
        }
        ops.add(new InitOp.Mount("", target, "", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"));
    }

    private static dev.contain.runtime.cgroup.Limits limits(dev.contain.spec.Resources r) {
        return new dev.contain.runtime.cgroup.Limits(r.memoryBytes(), r.swapBytes(), r.cpuPercent(), r.cpuWeight(), r.pids());
    }

    private static List<dev.contain.runtime.ids.IdMap> idMaps(List<dev.contain.spec.IdMapping> spec) {
        List<dev.contain.runtime.ids.IdMap> maps = new ArrayList<>();
        for (dev.contain.spec.IdMapping m : spec) {
            maps.add(new dev.contain.runtime.ids.IdMap(m.container(), m.host(), m.size()));
        }
        return maps;
    }

    /** The nodes every container's /dev has (null, zero, full, random, urandom, tty): a user namespace cannot mknod, so the host's are bound. */
    public static void deviceNodes(List<InitOp> ops) {
        for (String d : DEVICES) {
            ops.add(new InitOp.Touch("/dev/" + d));
            ops.add(new InitOp.Mount("/dev/" + d, "/dev/" + d, "", MS_BIND, ""));
        }
    }

    /** /dev/fd, stdin, stdout and stderr, as every container has them. */
    public static void devSymlinks(List<InitOp> ops) {
        ops.add(new InitOp.Symlink("/proc/self/fd", "/dev/fd"));
        ops.add(new InitOp.Symlink("/proc/self/fd/0", "/dev/stdin"));
        ops.add(new InitOp.Symlink("/proc/self/fd/1", "/dev/stdout"));
        ops.add(new InitOp.Symlink("/proc/self/fd/2", "/dev/stderr"));
    }

    /** The host pid of a running container, from its state folder (see NamespacesStage). */
    private long runningPid(String name, String other) throws ContainerError {
        return ProcessStamp.read(kernel, config.runRoot().resolve(other).resolve(PID_FILE)).filter(p -> p.alive(kernel))
                .orElseThrow(() -> new ContainerError(name, "network", "network container:" + other
                        + ": no running container named \"" + other + "\"")).pid();
    }

    /** "pid starttime" of a container's first process, in its state folder. */
    public static final String PID_FILE = "pid";

    /** All namespaces at clone time but cgroup, which is unshared after the process is in its cgroup. */
    private static long cloneFlags(java.util.Set<Namespace> namespaces) {
        long flags = 0;
        for (Namespace ns : namespaces) {
            flags |= cloneFlag(ns);
        }
        return flags & ~LinuxFlags.CLONE_NEWCGROUP;
    }

    private static long cloneFlag(Namespace ns) {
        return switch (ns) {
            case MNT -> LinuxFlags.CLONE_NEWNS;
            case CGROUP -> LinuxFlags.CLONE_NEWCGROUP;
            case UTS -> LinuxFlags.CLONE_NEWUTS;
            case IPC -> LinuxFlags.CLONE_NEWIPC;
            case USER -> LinuxFlags.CLONE_NEWUSER;
            case PID -> LinuxFlags.CLONE_NEWPID;
            case NET -> LinuxFlags.CLONE_NEWNET;
            case TIME -> LinuxFlags.CLONE_NEWTIME;
        };
    }

    /**
     * The init's operations, in order, without the policy's (PolicyOps places them). Targets are container paths (the init resolves them inside the root,
     * {@code /}); sources of bind mounts and the overlay's folders are host paths. The overlay's layers are
     * named as {@link LayerMounts#overlayData} says: short, so an image of 120 layers fits the one page the
     * kernel copies of a mount's options.
     */
    private static List<InitOp> mounts(ContainerSpec spec, Path upper, Path work, IdPlan ids, CgroupPlan cgroup,
                                       List<InitOp.Idmap> idmaps, Path dataRoot, Path containerDir) {
        List<InitOp> ops = new ArrayList<>();
        if (spec.namespaces().contains(Namespace.CGROUP)) {
            ops.add(new InitOp.Unshare(LinuxFlags.CLONE_NEWCGROUP));
        }
        ops.add(new InitOp.MakePrivate()); // the idmapped folders follow it (PolicyOps), before the overlay that names them
        ops.add(new InitOp.Mount("overlay", ROOT, "overlay", 0, LayerMounts.overlayData(ids, idmaps, dataRoot, containerDir, upper, work)));
        boolean pidns = spec.namespaces().contains(Namespace.PID);
        boolean netns = spec.namespaces().contains(Namespace.NET);
        boolean ipcns = spec.namespaces().contains(Namespace.IPC);
        ops.add(new InitOp.Mkdir("/proc", 0755));
        // proc shows the pid namespace it is mounted from, so it is mounted inside; without one, the host's
        ops.add(pidns ? new InitOp.Mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "")
                : new InitOp.Mount("/proc", "/proc", "", MS_BIND | MS_REC, ""));
        ops.add(new InitOp.Mkdir("/sys", 0755));
        if (netns) { // sysfs can only be mounted by the owner of the net namespace
            ops.add(new InitOp.Mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
        } else {
            ops.add(new InitOp.Mount("/sys", "/sys", "", MS_BIND | MS_REC, ""));
            ops.add(new InitOp.Mount("", "/sys", "", MS_BIND | MS_REMOUNT | MS_RDONLY, ""));
        }
        cgroupMounts(ops, "/sys/fs/cgroup", cgroup);
        String dev = "/dev";
        ops.add(new InitOp.Mkdir(dev, 0755));
        ops.add(new InitOp.Mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
        deviceNodes(ops);
        ops.add(new InitOp.Mkdir(dev + "/pts", 0755));
        ops.add(new InitOp.Mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"));
        ops.add(new InitOp.Symlink("pts/ptmx", dev + "/ptmx"));
        ops.add(new InitOp.Mkdir(dev + "/shm", 01777));
        ops.add(new InitOp.Mount("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k"));
        if (ipcns) { // an mqueue mount belongs to the ipc namespace it is mounted from
            ops.add(new InitOp.Mkdir(dev + "/mqueue", 0755));
            ops.add(new InitOp.Mount("mqueue", dev + "/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
        }
        devSymlinks(ops);
        for (Mount m : spec.mounts()) {
            String target = m.target();
            if (m instanceof Mount.Bind b) {
                ops.add(Files.isDirectory(b.source()) ? new InitOp.Mkdir(target, 0755) : new InitOp.Touch(target));
                ops.add(new InitOp.Mount(b.source().toString(), target, "", MS_BIND | MS_REC, ""));
            } else if (m instanceof Mount.Tmpfs t) {
                ops.add(new InitOp.Mkdir(target, 0755));
                String size = t.sizeBytes() == null ? "" : ",size=" + t.sizeBytes();
                ops.add(new InitOp.Mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" + size));
            }
            if (m.readOnly()) {
                ops.add(new InitOp.Mount("", target, "", MS_BIND | MS_REMOUNT | MS_RDONLY, ""));
            }
        }
        if (spec.readonlyRootfs()) { // masked and read-only paths come before it (PolicyOps)
            ops.add(new InitOp.Mount("", ROOT, "", MS_BIND | MS_REMOUNT | MS_RDONLY, ""));
        }
        if (netns) {
            ops.add(new InitOp.LoopbackUp());
        }
        if (spec.namespaces().contains(Namespace.UTS)) {
            ops.add(new InitOp.Hostname(spec.hostname()));
        }
        ops.add(new InitOp.PivotRoot(ROOT));
        return ops;
    }
}
