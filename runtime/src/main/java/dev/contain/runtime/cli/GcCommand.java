package dev.contain.runtime.cli;

import dev.contain.runtime.engine.Gc;
import dev.contain.runtime.kernel.LinuxKernel;
import java.util.List;

final class GcCommand extends CliCommand {
    @Override
    Model define() {
        return Model.command(this, "gc", "Clean up after containers whose engine died: processes, cgroups, links, folders.")
                .examples("Example:", "contain gc");
    }

    @Override
    public Integer call() throws Exception {
        List<Gc.Cleaned> cleaned = new Gc(config(), LinuxKernel.INSTANCE).run();
        int failed = 0;
        for (Gc.Cleaned c : cleaned) {
            if (c.failures().isEmpty()) {
                System.out.println("removed the remains of container \"" + c.container() + "\"");
            } else {
                failed++;
                c.failures().forEach(f -> System.err.println("contain: " + c.container() + ": gc: " + f));
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
