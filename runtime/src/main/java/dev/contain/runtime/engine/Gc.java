package dev.contain.runtime.engine;

import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.stage.Journal;
import dev.contain.runtime.stage.StateStage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the remains of containers whose engine died (kill -9 at any point) and undoes their journals:
 * processes, cgroups, links, folders. A container whose engine still runs is left alone.
 */
public final class Gc {
    public record Cleaned(String container, List<String> failures) {}

    private final EngineConfig config;
    private final Kernel kernel;

    public Gc(EngineConfig config, Kernel kernel) {
        this.config = config;
        this.kernel = kernel;
    }

    /**
     * Under the run root's lock, which a starting engine holds from the moment its state folder exists
     * until its owner file is written: an ownerless folder seen here is a dead engine's, never a starting
     * one's. Runs claiming a name wait while gc works.
     */
    public List<Cleaned> run() throws IOException {
        if (!kernel.exists(config.runRoot())) {
            return List.of();
        }
        return containers();
    }

    /**
     * What killed imports, pulls, removals and extractions left in the data root (partial downloads
     * too), unless one is at work now (then empty: nothing is removed, the next gc or pull does it).
     */
    public java.util.Optional<List<Path>> storeLeftovers() throws IOException {
        return dev.contain.runtime.image.Leftovers.collect(kernel, config.dataRoot());
    }

    private List<Cleaned> containers() throws IOException {
        return StateStage.names(config.runRoot()).locked(() -> {
            List<Cleaned> cleaned = new ArrayList<>();
            for (Path stateDir : kernel.list(config.runRoot())) {
                if (!stateDir.getFileName().toString().startsWith(".") && !ownerAlive(stateDir)
                        && !dev.contain.runtime.state.ContainerState.at(stateDir, kernel).tornDown()) { // an exited container's record: rm removes it
                    cleaned.add(clean(stateDir));
                }
            }
            // ranges whose container left no state folder (removed by hand): nobody can give them back but gc
            new dev.contain.runtime.ids.IdRanges(config.runRoot()).releaseIf(name -> !kernel.exists(config.runRoot().resolve(name)));
            return cleaned;
        });
    }

    private Cleaned clean(Path stateDir) {
        List<String> failures = new ArrayList<>();
        try {
            failures.addAll(Journal.load(stateDir).undoAll(kernel));
            if (failures.isEmpty()) {
                kernel.deleteTree(stateDir); // a claim interrupted before its first journal line has no journal
            }
        } catch (IOException | RuntimeException e) {
            failures.add(stateDir + ": " + e.getMessage());
        }
        return new Cleaned(stateDir.getFileName().toString(), failures);
    }

    private boolean ownerAlive(Path stateDir) {
        return ProcessStamp.read(kernel, stateDir.resolve(StateStage.OWNER_FILE)).map(p -> p.alive(kernel)).orElse(false);
    }
}
