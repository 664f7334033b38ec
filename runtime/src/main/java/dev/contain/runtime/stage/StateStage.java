package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.state.EngineDirs;
import dev.contain.runtime.plan.Plan;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import dev.contain.runtime.kernel.LockedFolder;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.kernel.TestHooks;
import java.util.Optional;

/**
 * Claims the container's name by creating its state folder (mkdir is atomic: of two runs with one name,
 * exactly one wins), then makes the overlay's upper, work and mount-point folders. A state folder is owned
 * from the moment anyone can see it: the folder and its owner file are made under the run root's lock,
 * which {@code contain gc} and a second run with the same name take before they judge a folder, so neither
 * ever takes a starting engine's folder for a dead one's.
 */
public final class StateStage implements Stage {
    /** Who owns a state folder: "pid starttime" of the engine process. */
    public static final String OWNER_FILE = "engine";
    /** The run root's lock file (a dot name: gc and listings skip those). */
    static final String LOCK = ".lock";

    /** The run root's names, under the lock that claims, judges and releases them. */
    public static LockedFolder names(Path runRoot) {
        return new LockedFolder(runRoot, LOCK);
    }

    @Override
    public String name() {
        return "state";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        Plan plan = run.plan();
        EngineDirs.secure(run.kernel(), run.config()); // the run root among them
        names(plan.stateDir().getParent()).locked(() -> claim(run));
        TestHooks.point("state:claimed");
        if (plan.containerDir() == null) { // a root folder given as it is (an OCI bundle's): no layers to make
            return;
        }
        run.journal().record(new Undo.Tree(plan.containerDir()));
        if (run.kernel().exists(plan.containerDir())) { // left by a crashed run that gc has not seen: start clean
            run.kernel().deleteTree(plan.containerDir());
        }
        // 0700 from the start: the userns stage gives it to the container's root once it has its range
        run.kernel().mkdir(plan.containerDir(), EngineDirs.CONTAINER);
        run.kernel().mkdir(plan.upperDir(), 0755); // the container's / shows the upper folder's mode
        run.kernel().mkdir(plan.workDir(), 0700);
        run.kernel().mkdir(plan.rootfs(), 0755);
        TestHooks.point("state:layers");
    }

    private Void claim(Run run) throws ContainerError, IOException {
        Path stateDir = run.plan().stateDir();
        try {
            run.kernel().mkdirExclusive(stateDir);
        } catch (FileAlreadyExistsException e) {
            throw nameInUse(run, stateDir);
        }
        run.journal().record(new Undo.Tree(stateDir));
        TestHooks.point("state:claiming");
        ProcessStamp.of(run.kernel(), ProcessHandle.current().pid()).write(run.kernel(), stateDir.resolve(OWNER_FILE));
        return null;
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
