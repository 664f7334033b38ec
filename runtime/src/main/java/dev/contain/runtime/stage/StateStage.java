package dev.contain.runtime.stage;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.engine.EngineDirs;
import dev.contain.runtime.plan.Plan;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import dev.contain.runtime.kernel.ProcessStamp;
import java.util.Optional;

/**
 * Claims the container's name by creating its state folder (mkdir is atomic: of two runs with one name,
 * exactly one wins), then makes the overlay's upper, work and mount-point folders.
 */
public final class StateStage implements Stage {
    /** Who owns a state folder: "pid starttime" of the engine process. */
    public static final String OWNER_FILE = "engine";

    @Override
    public String name() {
        return "state";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        Plan plan = run.plan();
        EngineDirs.secure(run.kernel(), run.config()); // the run root among them
        try {
            run.kernel().mkdirExclusive(plan.stateDir());
        } catch (FileAlreadyExistsException e) {
            throw nameInUse(run, plan.stateDir());
        }
        run.journal().record(new Undo.Tree(plan.stateDir()));
        ProcessStamp.of(run.kernel(), ProcessHandle.current().pid()).write(run.kernel(), plan.stateDir().resolve(OWNER_FILE));
        run.journal().record(new Undo.Tree(plan.containerDir()));
        if (run.kernel().exists(plan.containerDir())) { // left by a crashed run that gc has not seen: start clean
            run.kernel().deleteTree(plan.containerDir());
        }
        // 0700 from the start: the userns stage gives it to the container's root once it has its range
        run.kernel().mkdir(plan.containerDir(), EngineDirs.CONTAINER);
        run.kernel().mkdir(plan.upperDir(), 0755); // the container's / shows the upper folder's mode
        run.kernel().mkdir(plan.workDir(), 0700);
        run.kernel().mkdir(plan.rootfs(), 0755);
    }

    private static ContainerError nameInUse(Run run, Path stateDir) {
        String name = run.plan().name();
        Optional<ProcessStamp> owner = ProcessStamp.read(run.kernel(), stateDir.resolve(OWNER_FILE));
        if (owner.isPresent() && owner.get().alive(run.kernel())) {
            return run.error("state", "the name \"" + name + "\" is in use by a running container (engine pid "
                    + owner.get().pid() + "); pick another with --name or stop that one first");
        }
        return run.error("state", "a container named \"" + name + "\" was left behind by an engine that died; "
                + "run 'contain gc' to clean it up, then try again");
    }
}
