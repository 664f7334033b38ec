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
}
