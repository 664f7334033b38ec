package dev.contain.runtime.init;

/** What the engine says to the native init after the plan, one line each (host.c). */
public sealed interface InitCommand {
    String line();

    /** The id maps, cgroup and network are ready: mount, pivot and exec. */
    record Go() implements InitCommand {
        public String line() { return "go"; }
    }

    /** Forward a signal to the container's first process (or the exec'd process). */
    record Signal(int signal) implements InitCommand {
        public String line() { return "signal " + signal; }
    }

    /** run -d: the engine has made the monitor the container's owner; it answers {@link InitReply.Monitoring}. */
    record HandOver() implements InitCommand {
        public String line() { return "detached"; }
    }

    /** OCI create: the state is recorded; the host side exits, the process stays waiting at the fifo. */
    record Release() implements InitCommand {
        public String line() { return "release"; }
    }
}
