package dev.contain.runtime.oci;

import static dev.contain.runtime.plan.LinuxFlags.MS_BIND;
import static dev.contain.runtime.plan.LinuxFlags.MS_PRIVATE;
import static dev.contain.runtime.plan.LinuxFlags.MS_REC;
import static dev.contain.runtime.plan.LinuxFlags.MS_REMOUNT;
import static dev.contain.runtime.plan.LinuxFlags.MS_SHARED;
import static dev.contain.runtime.plan.LinuxFlags.MS_SLAVE;
import static dev.contain.runtime.plan.LinuxFlags.MS_UNBINDABLE;

import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.LinuxFlags;
import dev.contain.runtime.plan.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * config.json's {@code mounts} to the init's operations, as runc reads them: bind and rbind (a remount for
 * ro, nosuid, nodev, noexec... since a bind mount ignores them), the filesystems a container needs (proc,
 * sysfs, tmpfs, devpts, mqueue) with their options as mount data, cgroup as the container's own cgroup
 * read-only, and propagation options as a mount of their own. Other types and unknown options of a bind
 * mount are refused, naming the mount.
 */
final class OciMounts {
    private OciMounts() {}

    /** Flag options: name, flags set, whether it clears them instead (rw, suid...). */
    private record Flag(long flags, boolean clear) {}

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("ro", new Flag(LinuxFlags.MS_RDONLY, false)), Map.entry("rw", new Flag(LinuxFlags.MS_RDONLY, true)),
            Map.entry("nosuid", new Flag(LinuxFlags.MS_NOSUID, false)), Map.entry("suid", new Flag(LinuxFlags.MS_NOSUID, true)),
            Map.entry("nodev", new Flag(LinuxFlags.MS_NODEV, false)), Map.entry("dev", new Flag(LinuxFlags.MS_NODEV, true)),
            Map.entry("noexec", new Flag(LinuxFlags.MS_NOEXEC, false)), Map.entry("exec", new Flag(LinuxFlags.MS_NOEXEC, true)),
            Map.entry("sync", new Flag(LinuxFlags.MS_SYNCHRONOUS, false)), Map.entry("async", new Flag(LinuxFlags.MS_SYNCHRONOUS, true)),
            Map.entry("dirsync", new Flag(LinuxFlags.MS_DIRSYNC, false)),
            Map.entry("mand", new Flag(LinuxFlags.MS_MANDLOCK, false)), Map.entry("nomand", new Flag(LinuxFlags.MS_MANDLOCK, true)),
            Map.entry("noatime", new Flag(LinuxFlags.MS_NOATIME, false)), Map.entry("atime", new Flag(LinuxFlags.MS_NOATIME, true)),
            Map.entry("nodiratime", new Flag(LinuxFlags.MS_NODIRATIME, false)), Map.entry("diratime", new Flag(LinuxFlags.MS_NODIRATIME, true)),
            Map.entry("relatime", new Flag(LinuxFlags.MS_RELATIME, false)), Map.entry("norelatime", new Flag(LinuxFlags.MS_RELATIME, true)),
            Map.entry("strictatime", new Flag(LinuxFlags.MS_STRICTATIME, false)), Map.entry("nostrictatime", new Flag(LinuxFlags.MS_STRICTATIME, true)),
            Map.entry("defaults", new Flag(0, false)));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC, "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC, "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    /** A propagation option's flags (rshared: MS_SHARED | MS_REC), or null. */
    static Long propagation(String option) {
        return PROPAGATION.get(option);
    }

    /** Filesystems mounted by type, with their options as data. */
    private static final List<String> FILESYSTEMS = List.of("proc", "sysfs", "tmpfs", "devpts", "mqueue");

    static void add(Node m, Path bundle, boolean netns, CgroupPlan cgroup, List<InitOp> ops) throws ContainerError {
        String target = m.string("destination", null);
        if (target == null || !target.startsWith("/")) {
            throw m.error("destination", target == null ? "missing" : "not an absolute path: " + target);
        }
        String type = m.string("type", "");
        String source = m.string("source", "");
        List<String> options = m.strings("options");
        m.refuse("uidMappings", "idmapped mounts are not supported");
        m.refuse("gidMappings", "idmapped mounts are not supported");
        m.done();
        long set = 0;
        long propagation = 0;
        boolean bind = type.equals("bind");
        boolean recursive = false;
        List<String> data = new ArrayList<>();
        for (String o : options) {
            Flag f = FLAGS.get(o);
            if (o.equals("bind") || o.equals("rbind")) {
                bind = true;
                recursive |= o.equals("rbind");
            } else if (PROPAGATION.containsKey(o)) {
                propagation = PROPAGATION.get(o);
            } else if (f != null) {
                set = f.clear() ? set & ~f.flags() : set | f.flags();
            } else {
                data.add(o);
            }
        }
        if (bind) {
            for (String o : data) { // others go to mount(2) as its data, as runc passes them (the kernel ignores data for a bind)
                if (o.equals("idmap") || o.equals("ridmap")) {
                    throw m.error("options", "option \"" + o + "\" of the bind mount on " + target + " is not supported");
                }
            }
            Path src = bundle.resolve(source); // a relative source is the bundle's
            if (source.isEmpty() || !Files.exists(src)) {
                throw m.error("source", "bind mount source " + (source.isEmpty() ? "missing" : src + " does not exist"));
            }
            ops.add(Files.isDirectory(src) ? new InitOp.Mkdir(target, 0755) : new InitOp.Touch(target));
            ops.add(new InitOp.Mount(src.toString(), target, "", MS_BIND | (recursive ? MS_REC : 0), String.join(",", data)));
            if (set != 0) { // a bind mount takes its flags only from a remount
                ops.add(new InitOp.Mount("", target, "", MS_BIND | MS_REMOUNT | set, ""));
            }
        } else if (type.equals("cgroup")) {
            Planner.cgroupMounts(ops, target, cgroup); // the container's own cgroup, read-only
        } else if (type.equals("sysfs") && !netns) { // sysfs can only be mounted by the owner of the net namespace
            ops.add(new InitOp.Mkdir(target, 0755));
            ops.add(new InitOp.Mount("/sys", target, "", MS_BIND | MS_REC, ""));
            ops.add(new InitOp.Mount("", target, "", MS_BIND | MS_REMOUNT | LinuxFlags.MS_RDONLY | set, ""));
        } else if (FILESYSTEMS.contains(type)) {
            ops.add(new InitOp.Mkdir(target, 0755));
            ops.add(new InitOp.Mount(source.isEmpty() ? type : source, target, type, set, String.join(",", data)));
        } else {
            throw m.error("type", "mount type \"" + type + "\" on " + target + " is not supported (bind, rbind, "
                    + String.join(", ", FILESYSTEMS) + ", cgroup are)");
        }
        if (propagation != 0) {
            ops.add(new InitOp.Mount("", target, "", propagation, ""));
        }
    }
}
