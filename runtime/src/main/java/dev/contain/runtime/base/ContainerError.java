package dev.contain.runtime.base;

/**
 * A failure a user sees as one line: {@code contain: web: cgroup: cannot write ...: Device or resource busy}.
 * It names the container, the stage and the cause, and carries the exit code (125 when the engine failed,
 * 126/127 when the command could not be run).
 */
public final class ContainerError extends Exception {
    public static final int ENGINE = 125;
    public static final int CANNOT_INVOKE = 126;
    public static final int NOT_FOUND = 127;

    private final String container;
    private final String stage;
    private final int exitCode;

    public ContainerError(String container, String stage, String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.container = container;
        this.stage = stage;
        this.exitCode = exitCode;
    }

    public ContainerError(String container, String stage, String message) {
        this(container, stage, message, ENGINE, null);
    }

    private boolean shown;

    /** This error, marked as told to the user already (the engine says some before its teardown). */
    public ContainerError shown() {
        shown = true;
        return this;
    }

    /** Whether the user has been told already: the CLI prints it only if not. */
    public boolean wasShown() {
        return shown;
    }

    public String container() {
        return container;
    }

    public String stage() {
        return stage;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The line printed after "contain: ". */
    public String userMessage() {
        StringBuilder s = new StringBuilder();
        if (container != null) s.append(container).append(": ");
        if (stage != null) s.append(stage).append(": ");
        return s.append(getMessage()).toString();
    }
}
