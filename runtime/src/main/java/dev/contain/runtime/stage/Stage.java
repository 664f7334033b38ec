package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import java.io.IOException;

/**
 * One step of bringing a container up. A stage records in the run's journal every object it is about to
 * make; the pipeline undoes the journal in reverse, whatever happens. Nothing outside a stage touches the host.
 */
public interface Stage {
    String name();

    void apply(Run run) throws ContainerError, IOException;
}
