package dev.contain.runtime.cli;

import dev.contain.runtime.engine.Gc;
import dev.contain.runtime.kernel.LinuxKernel;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(mixinStandardHelpOptions = true, name = "gc", description = "Clean up after containers whose engine died: processes, cgroups, links, folders.",
        footer = {"", "Example:", "  contain gc"})
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() throws Exception {
        List<Gc.Cleaned> cleaned = new Gc(main.config(), LinuxKernel.INSTANCE).run();
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
