package dev.contain.runtime.engine;

/**
 * Choices for one run that are not part of the spec.
 *
 * @param tty a pty made inside the container, the engine's terminal relayed to it in raw mode (run -t)
 */
public record RunOptions(boolean ignoreMissingLimits, boolean tty) {
    public static final RunOptions DEFAULT = new RunOptions(false, false);

    public RunOptions(boolean ignoreMissingLimits) {
        this(ignoreMissingLimits, false);
    }
}
