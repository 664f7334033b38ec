package dev.contain.runtime.init;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * run -d: the init's host side stays as the container's monitor (see runtime/src/main/c/init/monitor.c).
 *
 * @param onExit the engine's teardown, exec'd by the monitor when the command has ended (empty: none)
 */
public record Monitor(Path log, long logMax, Path exitFile, List<String> onExit) {
    public static final long DEFAULT_LOG_MAX = 10L << 20;

    /** Its plan entries: detach, log, exit_file, on_exit. */
    public List<InitMessage> messages() {
        List<InitMessage> m = new ArrayList<>(List.of(new InitMessage.Detach(), new InitMessage.Log(log, logMax), new InitMessage.ExitFile(exitFile)));
        if (!onExit.isEmpty()) {
            m.add(new InitMessage.OnExit(onExit));
        }
        return m;
    }
}
