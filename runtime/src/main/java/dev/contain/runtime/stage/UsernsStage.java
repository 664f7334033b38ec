package dev.contain.runtime.stage;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.ids.IdLayers;
import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.ids.IdRange;
import dev.contain.runtime.ids.IdRanges;
import dev.contain.runtime.kernel.Errors;
import dev.contain.runtime.plan.Plan;
import dev.contain.spec.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The container's own ids: takes a range of host ids from the pool (recorded in the journal first, so
 * teardown and gc give it back), gives the container's folder and its writable layer to the range's root,
 * and makes the read-only layers show their files' owners as stored (idmapped, or a chowned copy).
 */
public final class UsernsStage implements Stage {
    @Override
    public String name() {
        return "userns";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        Plan plan = run.plan();
        IdPlan ids = plan.ids();
        IdRange range = null;
        if (ids.kind() == IdPlan.Kind.RANGE) {
            run.journal().record(new Undo.Ids(run.config().runRoot(), plan.name()));
            range = new IdRanges(run.config().runRoot()).acquire(plan.name(), ids.pool());
            run.progress().trace("userns: " + range.describe() + " from the pool (" + ids.pool().describe() + ")");
        }
        IdMaps maps = ids.maps(range);
        run.ids(maps);
        long uid = maps.hostUid(0);
        long gid = maps.hostGid(0);
        if (ids.userNamespace() && (uid > 0 || gid > 0)) { // else container root is host root: the folders are root's already
            requireReachable(run, uid, gid);
            // the folder and work are 0700: their owner is what counts; the upper folder is / inside, group too
            run.kernel().chown(plan.containerDir(), uid, -1);
            run.kernel().chown(plan.workDir(), uid, -1);
            run.kernel().chown(plan.upperDir(), uid, gid);
        }
        if (!ids.remapsLayers()) {
            return;
        }
        try {
            new IdLayers(run.kernel(), run.config().dataRoot(), run.progress()::trace).prepare(ids.lowers(), maps, uid, gid);
        } catch (IOException e) {
            throw run.error(name(), "cannot prepare the image's layers for " + (range == null ? "the container's ids" : range.describe())
                    + ": " + Errors.reason(e));
        }
    }

    /**
     * The container's root, an unprivileged host uid, looks up its folder (overlayfs does, with the
     * mounter's rights) and the sources of its bind mounts: every folder above them must let it through.
     * Said here, with the folder and the fix, rather than as the overlay's EACCES.
     */
    private void requireReachable(Run run, long uid, long gid) throws ContainerError, IOException {
        check(run, run.plan().containerDir().getParent(), uid, gid, "its writable layer");
        for (Mount m : run.plan().spec().mounts()) {
            if (m instanceof Mount.Bind b && b.source().getParent() != null) {
                check(run, b.source().getParent(), uid, gid, "the bind mount source " + b.source());
            }
        }
    }

    private void check(Run run, Path folder, long uid, long gid, String what) throws ContainerError, IOException {
        for (Path p = folder.toRealPath(); p != null; p = p.getParent()) {
            java.util.Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid"); // one stat
            int mode = (int) a.get("mode");
            int owner = (int) a.get("uid");
            int group = (int) a.get("gid");
            boolean search = (mode & 01) != 0 || owner == uid && (mode & 0100) != 0 || group == gid && (mode & 010) != 0;
            if (!search) {
                throw run.error(name(), "the container's root (host uid " + uid + ") cannot reach " + what + ": " + p + " is mode "
                        + String.format("%04o", mode & 07777) + "; let others through it (chmod o+x " + p
                        + "), use another --root, or give the container the host's ids (users: host)");
            }
        }
    }
}
