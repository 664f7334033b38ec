package dev.contain.runtime.engine;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.stage.Journal;
import dev.contain.runtime.stage.StateStage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

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

    public List<Cleaned> run() throws IOException {
        List<Cleaned> cleaned = new ArrayList<>();
        for (Path stateDir : kernel.list(config.runRoot())) {
            if (!stateDir.getFileName().toString().startsWith(".") && !ownerAlive(stateDir)) {
                cleaned.add(clean(stateDir));
            }
        }
        return cleaned;
    }

    private Cleaned clean(Path stateDir) {
        List<String> failures = new ArrayList<>();
        try {
            Journal journal = Journal.load(stateDir);
            failures.addAll(journal.undoAll(kernel));
            kernel.deleteTree(stateDir); // a claim interrupted before its first journal line
        } catch (IOException | RuntimeException e) {
            failures.add(stateDir + ": " + e.getMessage());
        }
        return new Cleaned(stateDir.getFileName().toString(), failures);
    }

    private boolean ownerAlive(Path stateDir) {
        try {
            String[] owner = kernel.read(stateDir.resolve(StateStage.OWNER_FILE)).trim().split(" ");
            OptionalLong start = kernel.startTime(Long.parseLong(owner[0]));
            return start.isPresent() && start.getAsLong() == Long.parseLong(owner[1]);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
