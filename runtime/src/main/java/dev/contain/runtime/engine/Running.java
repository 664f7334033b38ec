package dev.contain.runtime.engine;

/** Something the engine runs in the foreground that a caller forwards signals to: a container, an exec'd process. */
public interface Running {
    /** Forwards a signal the caller received (Ctrl-C, SIGTERM, SIGHUP). */
    void signal(int signal);
}
