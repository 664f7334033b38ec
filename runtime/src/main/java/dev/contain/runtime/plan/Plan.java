package dev.contain.runtime.plan;

import dev.contain.runtime.image.ImageStore;
import dev.contain.spec.ContainerSpec;
import dev.contain.runtime.ids.IdPlan;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a run will do, resolved: paths, ids, the init's operations. Built without touching the
 * host, so {@code --dry-run} prints it and stages only carry it out.
 *
 * @param security       what the container's process may do (capabilities, seccomp...); {@link Security#NONE} by default
 * @param idmaps         lower folders the container sees through idmapped mounts (also among {@code ops}, in place)
 * @param chrootFallback the init may chroot where pivot_root fails (a host whose / is an initramfs)
 */
public record Plan(
        ContainerSpec spec,
        ImageStore.Resolved image,
        Path stateDir,
        Path containerDir,
        Path rootfs,
        Path upperDir,
        Path workDir,
        List<Path> lowerDirs, // the image's rootfs and the spec's layers, top first, as stored (see ids.lowers)
        long cloneFlags,
        dev.contain.runtime.cgroup.CgroupPlan cgroup,
        List<dev.contain.spec.Network.Bridge> bridges,
        Path joinNetns,
        IdPlan ids,
        List<InitOp> ops,
        List<String> argv,
        List<String> env,
        String cwd,
        long uid,
        long gid,
        List<Long> groups,
        boolean reaper,
        Security security,
        List<InitOp.Idmap> idmaps,
        boolean chrootFallback) {

    /** The plan format the init speaks (runtime/src/main/c/init/init.h, INIT-PROTOCOL). */
    public static final int INIT_PLAN_VERSION = 2;

    public String name() {
        return spec.name();
    }

    /** The plan as the init reads it: entries of key, field count, fields, all NUL-terminated. */
    public byte[] encodeForInit() {
        PlanWriter w = new PlanWriter();
        w.entry("version", List.of(Integer.toString(INIT_PLAN_VERSION)));
        w.entry("clone", List.of(Long.toUnsignedString(cloneFlags)));
        if (joinNetns != null) {
            w.entry("join_netns", List.of(joinNetns.toString()));
        }
        for (Path tasks : cgroup.selfJoinFiles()) {
            w.entry("cgroup_join", List.of(tasks.toString()));
        }
        if (cgroup.cloneInto() != null) {
            w.entry("clone_into_cgroup", List.of(cgroup.cloneInto().toString()));
        }
        w.entry("rootfs", List.of(rootfs.toString()));
        if (chrootFallback) {
            w.entry("chroot_fallback", List.of());
        }
        for (InitOp op : ops) {
            w.entry(op.key(), op.fields());
        }
        w.entry("argv", argv);
        w.entry("env", env);
        w.entry("cwd", List.of(cwd));
        List<String> user = new java.util.ArrayList<>(List.of(Long.toString(uid), Long.toString(gid)));
        groups.forEach(g -> user.add(Long.toString(g)));
        w.entry("user", user);
        if (reaper) {
            w.entry("reaper", List.of());
        }
        encode(w, security);
        return w.bytes();
    }

    /** The entries of security that are not operations (masked and read-only paths are, in {@code ops}). */
    private static void encode(PlanWriter w, Security s) {
        if (s.caps() != null) {
            w.entry("caps", s.caps().fields());
        }
        if (s.noNewPrivs()) {
            w.entry("no_new_privs", List.of());
        }
        if (s.seccomp() != null) {
            w.entry("seccomp", List.of(Integer.toUnsignedString(s.seccomp().flags()),
                    java.util.HexFormat.of().formatHex(s.seccomp().program())));
        }
        for (Security.Rlimit r : s.rlimits()) {
            w.entry("rlimit", List.of(Integer.toString(r.resource()), Security.Rlimit.text(r.soft()), Security.Rlimit.text(r.hard())));
        }
        if (s.oomScoreAdj() != null) {
            w.entry("oom_score_adj", List.of(s.oomScoreAdj().toString()));
        }
    }

    private static final class PlanWriter {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        void entry(String key, List<String> fields) {
            token(key);
            token(Integer.toString(fields.size()));
            fields.forEach(this::token);
        }

        private void token(String s) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a NUL byte in '" + s.replace('\0', '?') + "'");
            }
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
            out.write(0);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
