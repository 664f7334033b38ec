package dev.contain.runtime.stage;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.image.ImageStore;

/** Unpacks an archive image into the store the first time it is used. The store keeps it: nothing to undo. */
public final class ImageStage implements Stage {
    @Override
    public String name() {
        return "image";
    }

    @Override
    public void apply(Run run) throws ContainerError {
        new ImageStore(run.config().dataRoot()).ensure(run.plan().name(), run.plan().image(), made -> run.journal().record(new Undo.Tree(made)));
    }
}
