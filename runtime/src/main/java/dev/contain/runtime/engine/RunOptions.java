package dev.contain.runtime.engine;

/** Choices for one run that are not part of the spec. */
public record RunOptions(boolean ignoreMissingLimits) {
    public static final RunOptions DEFAULT = new RunOptions(false);
}
