package dev.contain.runtime.plan;

import dev.contain.runtime.image.ImageStore;
import dev.contain.runtime.ids.IdPlan;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a run will do, resolved: paths, ids, the init's operations. Built without touching the
 * host, so {@code --dry-run} prints it and stages only carry it out. The engine's own language: no front end's
 * types (a container.yaml's spec, an OCI config.json) reach it, so each front end builds plans the same stages run.
 *
 * @param image          the stored image its root is made from, or null: the root is a folder given as it is (an OCI bundle's)
 * @param privileged     the user asked for every capability and no confinement (said at every run)
 * @param security       what the container's process may do (capabilities, seccomp...); {@link Security#NONE} by default
 * @param idmaps         lower folders the container sees through idmapped mounts (also among {@code ops}, in place)
 * @param chrootFallback the init may chroot where pivot_root fails (a host whose / is an initramfs)
 * @param joins          namespaces joined by path instead of made (network container:NAME, an OCI config's paths)
 */
public record Plan(
        String name,
        boolean privileged,
        ImageStore.Resolved image,
        Path stateDir,
        Path containerDir,
        Path rootfs,
        Path upperDir,
        Path workDir,
        List<Path> lowerDirs, // the image's rootfs and the spec's layers, top first, as stored (see ids.lowers)
        long cloneFlags,
        dev.contain.runtime.cgroup.CgroupPlan cgroup,
        List<dev.contain.runtime.net.BridgeAttachment> bridges,
        List<NamespaceJoin> joins,
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

    /** Every namespace the container gets: those it is cloned with, and those unshared after (cgroup). */
    public long namespaces() {
        long flags = cloneFlags;
        for (InitOp op : ops) {
            if (op instanceof InitOp.Unshare u) {
                flags |= u.flags();
            }
        }
        return flags;
    }

    /** The plan as the init reads it: entries of key, field count, fields, all NUL-terminated. */
    public byte[] encodeForInit() {
        PlanWriter w = new PlanWriter();
        w.entry("version", List.of(Integer.toString(INIT_PLAN_VERSION)));
        w.entry("clone", List.of(Long.toUnsignedString(cloneFlags)));
        for (NamespaceJoin j : joins) {
            w.entry(NamespaceJoin.KEY, List.of(j.type(), j.path().toString()));
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
        if (s.seccomp() != null) { // the program's hex goes straight into the plan: no 20 KB string to build and scan
            w.token("seccomp");
            w.token("2");
            w.token(Integer.toUnsignedString(s.seccomp().flags()));
            byte[] hex = hexToken(s.seccomp().program());
            w.out.write(hex, 0, hex.length);
        }
        for (Security.Rlimit r : s.rlimits()) {
            w.entry("rlimit", List.of(Integer.toString(r.resource()), Security.Rlimit.text(r.soft()), Security.Rlimit.text(r.hard())));
        }
        if (s.oomScoreAdj() != null) {
            w.entry("oom_score_adj", List.of(s.oomScoreAdj().toString()));
        }
        if (s.umask() != null) {
            w.entry("umask", List.of(Integer.toOctalString(s.umask())));
        }
    }

    /**
     * Lowercase hex and the closing NUL, by table, as bytes: the interpreted JVM of a cold run spends ~1.3 ms on a
     * 10 KB program through HexFormat and a String (its per-digit calls, then a scan and an encoding of the
     * string), ~0.5 ms here.
     */
    static byte[] hexToken(byte[] bytes) {
        byte[] digits = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
        byte[] out = new byte[bytes.length * 2 + 1];
        for (int i = 0, j = 0; i < bytes.length; i++) {
            int v = bytes[i] & 0xff;
            out[j++] = digits[v >>> 4];
            out[j++] = digits[v & 15];
        }
        return out; // the last byte is already 0
    }

    /** The init's plan encoding: entries of key, field count, fields, each token NUL-terminated. */
    public static final class PlanWriter {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        public void entry(String key, List<String> fields) {
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

        public byte[] bytes() {
            return out.toByteArray();
        }
    }
}
