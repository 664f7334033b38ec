package dev.contain.runtime.engine;

/** How the container's command ended, and the exit code `contain run` passes on (docker's convention). */
public record RunResult(String container, Integer exitCode, Integer signal) {
    public int engineExitCode() {
        return signal != null ? 128 + signal : exitCode;
    }

    public String describe() {
        return signal != null ? "container process killed by signal " + signal + " (" + Signals.name(signal) + ")"
                : "container process exited normally with code " + exitCode;
    }
}
