package dev.contain.runtime.stage;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.image.ImageStore;
import dev.contain.runtime.image.OciStore;

/** Unpacks an archive image into the store the first time it is used. The store keeps it: nothing to undo. */
public final class ImageStage implements Stage {
    @Override
    public String name() {
        return "image";
    }

    @Override
    public void apply(Run run) throws ContainerError {
        new ImageStore(run.config().dataRoot()).ensure(run.plan().name(), run.plan().image());
        if (run.plan().image().oci() != null) { // so that 'image rm' refuses an image in use (see OciStore)
            try {
                run.kernel().write(run.plan().stateDir().resolve(OciStore.IMAGE_FILE), run.plan().image().oci().id() + "\n");
            } catch (java.io.IOException e) {
                throw new ContainerError(run.plan().name(), "image", "cannot record the image in " + run.plan().stateDir() + ": " + e.getMessage());
            }
        }
    }
}
