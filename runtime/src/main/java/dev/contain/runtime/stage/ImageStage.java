package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.image.ImageStore;
import dev.contain.runtime.image.OciStore;

/**
 * Unpacks an archive image the first time it is used. The store keeps the image; what this run would
 * leave if killed midway (the unpacking folder, the digest memo's new file) is journaled before it exists.
 */
public final class ImageStage implements Stage {
    @Override
    public String name() {
        return "image";
    }

    @Override
    public void apply(Run run) throws ContainerError {
        if (run.plan().image() == null) {
            return; // a root folder given as it is (an OCI bundle's)
        }
        new ImageStore(run.kernel(), run.config().dataRoot()).ensure(run.plan().name(), run.plan().image(), made -> run.journal().record(new Undo.Tree(made)));
        if (run.plan().image().oci() != null) { // so that 'image rm' refuses an image in use (see OciStore)
            try {
                run.kernel().write(run.plan().stateDir().resolve(OciStore.IMAGE_FILE), run.plan().image().oci().id() + "\n");
            } catch (java.io.IOException e) {
                throw new ContainerError(run.plan().name(), "image", "cannot record the image in " + run.plan().stateDir() + ": " + e.getMessage());
            }
        }
    }
}
