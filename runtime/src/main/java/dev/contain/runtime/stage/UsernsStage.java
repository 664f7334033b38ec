package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.state.EngineDirs;
import dev.contain.runtime.ids.IdLayers;
import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.ids.IdRange;
import dev.contain.runtime.ids.IdRanges;
import dev.contain.runtime.kernel.Errors;
import dev.contain.runtime.plan.Plan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;

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
        if (ids.userNamespace() && (uid > 0 || gid > 0) && plan.containerDir() != null) { // else container root is host root: the folders are root's already
            // the folder and work are 0700: their owner is what counts; the upper folder is / inside, group too
            run.kernel().chown(plan.containerDir(), uid, -1);
            run.kernel().chown(plan.workDir(), uid, -1);
            run.kernel().chown(plan.upperDir(), uid, gid);
        }
        if (!ids.remapsLayers()) {
            return;
        }
        try {
            if (ids.shortcut() != null) { // the overlay names the layers through m/TOKEN -> ../containers/NAME
                if (Files.exists(ids.shortcut(), LinkOption.NOFOLLOW_LINKS)) {
                    throw run.error(name(), ids.shortcut() + " exists already (another container's short name); rename this one");
                }
                run.journal().record(new Undo.Tree(ids.shortcut()));
                EngineDirs.ensure(run.kernel(), ids.shortcut().getParent(), EngineDirs.SHORTCUTS);
                run.kernel().symlink(ids.shortcut(), ids.shortcut().getParent().relativize(plan.containerDir()));
            }
            new IdLayers(run.kernel(), run.config().dataRoot(), run.progress()).prepare(ids, plan.containerDir(), maps, uid, gid);
        } catch (IOException e) {
            throw run.error(name(), "cannot prepare the image's layers for " + (range == null ? "the container's ids" : range.describe())
                    + ": " + Errors.reason(e));
        }
    }
}
