package dev.contain.runtime.cli;

import dev.contain.runtime.engine.Gc;
import java.util.List;

final class GcCommand extends CliCommand {
    @Override
    Model define() {
        return Model.command(this, "gc", "Clean up after containers whose engine died (processes, cgroups, links, folders) and killed imports and pulls.")
                .examples("Example:", "contain gc");
    }

    @Override
    public Integer call() throws Exception {
        Gc gc = engine().gc();
        List<Gc.Cleaned> cleaned = gc.run();
        int failed = 0;
        for (Gc.Cleaned c : cleaned) {
            if (c.failures().isEmpty()) {
                System.out.println("removed the remains of container \"" + c.container() + "\"");
            } else {
                failed++;
                c.failures().forEach(f -> System.err.println("contain: " + c.container() + ": gc: " + f));
            }
        }
        java.util.Optional<List<java.nio.file.Path>> leftovers = gc.storeLeftovers();
        if (leftovers.isEmpty()) {
            System.out.println("the image store's leftovers are kept: an import or pull is at work");
        } else if (!leftovers.get().isEmpty()) {
            System.out.println("removed " + leftovers.get().size() + " leftovers of killed imports, pulls and removals");
        }
        return failed == 0 ? 0 : 1;
    }
}
