package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Signals through a pidfd (Linux 5.3+): the engine's own static init does it ({@code contain-init --signal PID
 * START-TIME SIGNAL}, signal.c), opening the pidfd first and then comparing the process's start time with the one
 * recorded, so the signal reaches the process that was recorded or none, even if its pid has been reused
 * meanwhile. Not through JNA in this JVM (see InitModes): ~40 ms of a stop's ~100, and of every podman stop
 * through contain-oci kill.
 */
final class ProcessSignals {
    /** The init's exit codes (signal.c). */
    private static final int SENT = 0, GONE = 3;

    private ProcessSignals() {}

    /** Sends {@code signal}; false when the process is gone (or is another one now). */
    static boolean signal(Path dataRoot, ProcessStamp process, int signal) throws IOException {
        String what = "signal " + signal + " to " + process.pid();
        InitModes.Outcome outcome = InitModes.run(dataRoot, false, what, "--signal", Long.toString(process.pid()),
                Long.toString(process.startTime()), Integer.toString(signal));
        return switch (outcome.code()) {
            case SENT -> true;
            case GONE -> false;
            default -> throw InitModes.failure(what, outcome);
        };
    }
}
