package dev.contain.runtime.plan;


/** The --dry-run listing: every namespace, id map, folder, mount and exec a run would do. */
public final class PlanPrinter {
    private PlanPrinter() {}

    public static String print(Plan plan) {
        StringBuilder s = new StringBuilder();
        s.append("container ").append(plan.name()).append(" from ").append(plan.image() == null ? "root folder " + plan.rootfs()
                : "image " + plan.image().display()).append('\n');
        if (plan.image() != null && plan.image().needsUnpack()) {
            s.append("image: unpack ").append(plan.image().archive()).append(" -> ").append(plan.image().rootfs()).append('\n');
        }
        s.append("state: mkdir ").append(plan.stateDir()).append('\n');
        s.append("state: mkdir ").append(plan.upperDir()).append(", ").append(plan.workDir()).append(", ").append(plan.rootfs()).append('\n');
        IdPrinter.userns(plan, s);
        for (String w : plan.cgroup().warnings()) {
            s.append("cgroup: warning: ").append(w).append('\n');
        }
        for (var d : plan.cgroup().dirs()) {
            s.append("cgroup: mkdir ").append(d.path()).append('\n');
        }
        for (var w : plan.cgroup().controllerEnables()) {
            s.append("cgroup: write ").append(w.describe()).append('\n');
        }
        for (var w : plan.cgroup().limits()) {
            s.append("cgroup: write ").append(w.describe()).append(w.optional() ? " (if the kernel has it)" : "").append('\n');
        }
        if (!plan.cgroup().deviceFilter().isEmpty()) {
            var devices = plan.cgroup().dir("devices");
            s.append(plan.cgroup().v2() ? "cgroup: attach a BPF device program to " + devices + ": allow "
                            : "cgroup: write " + devices.resolve("devices.deny") + " = a, then " + devices.resolve("devices.allow") + " = ")
                    .append(String.join(", ", plan.cgroup().deviceFilter().stream().map(d -> d.v1()).toList()))
                    .append(plan.cgroup().v2() ? ", deny the rest\n" : " (one write each)\n");
        }
        s.append("namespaces: clone3 flags 0x").append(Long.toHexString(plan.cloneFlags())).append(" (")
                .append(LinuxFlags.namespaceNames(plan.namespaces()))
                .append(")\n");
        IdPrinter.namespaces(plan, s);
        if (plan.cgroup().cloneInto() != null) {
            s.append("namespaces: clone into the cgroup ").append(plan.cgroup().cloneInto()).append('\n');
        }
        for (var tasks : plan.cgroup().selfJoinFiles()) {
            s.append("init: the container's process moves itself into ").append(tasks).append(" (writes 0)\n");
        }
        for (NamespaceJoin j : plan.joins()) {
            s.append("namespaces: join the ").append(j.type()).append(" namespace ").append(j.path()).append('\n');
        }
        for (int i = 0; i < plan.bridges().size(); i++) {
            var b = plan.bridges().get(i);
            String veth = b.hostVeth();
            s.append("network: lease ").append(b.address() == null ? "a free address in " + b.subnet() : b.address().toString())
                    .append(" on bridge ").append(b.bridge()).append('\n');
            s.append("network: create bridge ").append(b.bridge()).append(" with ").append(b.subnet().withAddress(b.gateway()))
                    .append(" if missing, up\n");
            s.append("network: isolate bridge ").append(b.bridge()).append(" in nftables table inet contain (nothing forwarded between it and other bridges, nothing new into it)\n");
            s.append("network: create veth ").append(veth).append(" (on ").append(b.bridge()).append(", up) <-> eth").append(i)
                    .append(" in the container\n");
            s.append("network: inside: address on eth").append(i).append(", up").append(i == 0 ? ", default route via " + b.gateway() : "").append('\n');
        }
        s.append("init: container paths below resolve inside ").append(plan.rootfs()).append(", never following a symlink out of it\n");
        for (InitOp op : plan.ops()) {
            s.append("init: ").append(describe(op)).append('\n');
        }
        if (plan.chrootFallback()) {
            s.append("init: chroot if pivot_root fails (the host's / is an initramfs)\n");
        }
        describe(plan.security(), plan.privileged(), s);
        s.append("init: user ").append(plan.uid()).append(':').append(plan.gid());
        if (!plan.groups().isEmpty()) s.append(" groups ").append(plan.groups());
        s.append(", cwd ").append(plan.cwd()).append('\n');
        s.append("init: env ").append(String.join(" ", plan.env())).append('\n');
        s.append("init: exec ").append(String.join(" ", plan.argv())).append(plan.reaper() ? " (under a reaping PID 1)" : "").append('\n');
        return s.toString();
    }

    private static void describe(Security sec, boolean privileged, StringBuilder s) {
        if (privileged) {
            s.append("init: privileged: capabilities left as the user namespace gives them (all), no seccomp filter, "
                    + "no no_new_privs, nothing masked or read-only\n");
        }
        if (sec.caps() != null) {
            var c = sec.caps();
            s.append("init: capabilities: bounding ").append(caps(c.bounding())).append('\n');
            s.append("init: capabilities: effective ").append(c.effective() == c.bounding() ? "= bounding" : caps(c.effective()))
                    .append(", permitted ").append(c.permitted() == c.bounding() ? "= bounding" : caps(c.permitted()))
                    .append(", inheritable ").append(caps(c.inheritable())).append(", ambient ").append(caps(c.ambient())).append('\n');
        }
        s.append("init: no_new_privs ").append(sec.noNewPrivs() ? "on" : "off").append('\n');
        for (var r : sec.rlimits()) {
            s.append("init: rlimit ").append(r.name()).append(' ').append(Security.Rlimit.text(r.soft())).append(':')
                    .append(Security.Rlimit.text(r.hard())).append('\n');
        }
        if (sec.oomScoreAdj() != null) s.append("init: oom_score_adj ").append(sec.oomScoreAdj()).append('\n');
        if (sec.umask() != null) s.append("init: umask ").append(Integer.toOctalString(sec.umask())).append('\n');
        if (sec.seccomp() != null) {
            var f = sec.seccomp();
            s.append("init: seccomp profile ").append(f.source().equals("default") ? "default (docker's)" : f.source())
                    .append(": ").append(f.rules()).append(" rules, ").append(f.instructions()).append(" BPF instructions, flags ")
                    .append(f.flags()).append(", loaded last before exec\n");
        } else {
            s.append("init: seccomp none (unconfined)\n");
        }
    }

    /** "CHOWN KILL ... (00000000a80425fb)", or "none". */
    private static String caps(long mask) {
        return mask == 0 ? "none" : String.join(" ", dev.contain.runtime.security.CapabilitySets.names(mask))
                + " (" + dev.contain.runtime.security.CapabilitySets.hex(mask) + ")";
    }

    private static String describe(InitOp op) {
        if (op instanceof InitOp.Mount m) {
            return "mount " + (m.source().isEmpty() ? "none" : m.source()) + " on " + m.target()
                    + (m.type().isEmpty() ? "" : " type " + m.type()) + " flags " + LinuxFlags.mountFlagNames(m.flags())
                    + (m.data().isEmpty() ? "" : " data " + m.data());
        }
        if (op instanceof InitOp.Mkdir d) return "mkdir " + d.path() + " mode " + Integer.toOctalString(d.mode());
        if (op instanceof InitOp.Touch t) return "create " + t.path();
        if (op instanceof InitOp.RootPropagation r) return "propagation of / flags 0x" + Long.toHexString(r.flags());
        if (op instanceof InitOp.Mknod n) return "mknod " + n.path() + " " + n.type() + " " + n.major() + ":" + n.minor() + " mode " + Integer.toOctalString(n.mode()) + " owner " + n.uid() + ":" + n.gid();
        if (op instanceof InitOp.Symlink l) return "symlink " + l.link() + " -> " + l.target();
        if (op instanceof InitOp.PivotRoot p) return "pivot_root " + p.newRoot() + ", detach the old root";
        if (op instanceof InitOp.Hostname h) return "sethostname " + h.name();
        if (op instanceof InitOp.Write w) return "write " + w.path() + " = " + w.value();
        if (op instanceof InitOp.LoopbackUp) return "bring up lo";
        if (op instanceof InitOp.MakePrivate) return "make every mount private (nothing propagates to the host)";
        if (op instanceof InitOp.Idmap i) return "attach an idmapped copy of " + i.source() + " at " + i.target();
        if (op instanceof InitOp.Mask m) return "mask " + m.path();
        if (op instanceof InitOp.Readonly r) return "read-only " + r.path();
        if (op instanceof InitOp.Unshare u) return "unshare flags 0x" + Long.toHexString(u.flags()) + " (cgroup namespace rooted at the container's cgroup)";
        return op.toString();
    }
}
