package dev.contain.runtime.init;

import dev.contain.runtime.plan.Plan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * run -d: the init's host side stays as the container's monitor (see runtime/src/main/c/init/monitor.c).
 * Its plan entries: {@code detach}, {@code log PATH MAX_BYTES}, {@code exit_file PATH}, {@code on_exit ARGV...}.
 *
 * @param onExit the engine's teardown, exec'd by the monitor when the command has ended (empty: none)
 */
public record Monitor(Path log, long logMax, Path exitFile, List<String> onExit) {
    public static final long DEFAULT_LOG_MAX = 10L << 20;

    public byte[] encode() {
        Plan.PlanWriter w = new Plan.PlanWriter();
        w.entry("detach", List.of());
        w.entry("log", List.of(log.toString(), Long.toString(logMax)));
        w.entry("exit_file", List.of(exitFile.toString()));
        if (!onExit.isEmpty()) {
            w.entry("on_exit", new ArrayList<>(onExit));
        }
        return w.bytes();
    }
}
