package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The settings of the terminal on the engine's stdin, saved and set again by the engine's static init
 * ({@code contain-init --terminal save | set HEX}, terminal.c), which is given this JVM's stdin. Not through JNA
 * (see InitModes): its first load came before every -it's start.
 */
final class Terminals {
    /** The init's exit codes (terminal.c). */
    private static final int DONE = 0, NO_TERMINAL = 3;

    private Terminals() {}

    static Optional<TerminalSettings> save(Path dataRoot) throws IOException {
        String what = "save the terminal's settings";
        InitModes.Outcome outcome = InitModes.run(dataRoot, true, what, "--terminal", "save");
        if (outcome.code() != DONE && outcome.code() != NO_TERMINAL) {
            throw InitModes.failure(what, outcome);
        }
        try { // no terminal: the init printed nothing
            return TerminalSettings.fromHex(outcome.output());
        } catch (IllegalArgumentException e) {
            throw new IOException(what + ": the init printed no settings: " + outcome.output(), e);
        }
    }

    static void restore(Path dataRoot, TerminalSettings settings) throws IOException {
        String what = "set the terminal's settings again";
        InitModes.Outcome outcome = InitModes.run(dataRoot, true, what, "--terminal", "set", HexFormat.of().formatHex(settings.termios()));
        if (outcome.code() != DONE && outcome.code() != NO_TERMINAL) {
            throw InitModes.failure(what, outcome);
        }
    }
}
