package dev.contain.runtime.init;

/**
 * What the native init says to the engine, one line each (host.c): parsed here and nowhere else.
 * An unknown line reads as a setup {@link Failure} that quotes it.
 */
public sealed interface InitReply {
    /** The container's first process (or the exec'd process) exists, waiting for "go". */
    record Pid(long pid) implements InitReply {}

    /** run -d: the init's host side now runs as this process (no longer the engine's child): the monitor. */
    record MonitorPid(long pid) implements InitReply {}

    /** After "go": the command was exec'd. */
    record Started() implements InitReply {}

    /** OCI create: after "go" the process waits at the exec fifo, its command not yet exec'd. */
    record Created() implements InitReply {}

    /** run -d: the monitor has taken the container over (the answer to {@link InitCommand.HandOver}). */
    record Monitoring() implements InitReply {}

    /** How the command ended: its exit code, or the signal that killed it (the other null). */
    record Exit(Integer code, Integer signal) implements InitReply {}

    /**
     * {@code error KIND ERRNO MESSAGE}, where KIND is setup, exec or cgroup (init.h). A setup message says what
     * the init did, on which container path, and the errno's text.
     */
    record Failure(String kind, int errno, String message) implements InitReply {
        /** What the user reads after the container's name: "setup", "cgroup", or (exec) the stage that was waiting. */
        public String stage(String waiting) {
            return kind.equals("cgroup") || kind.equals("setup") ? kind : waiting;
        }

        /** The reply as a failure: itself, or a reply out of turn (a setup failure that names it). */
        public static Failure of(InitReply reply) {
            return reply instanceof Failure f ? f : new Failure("setup", 0, "the native init answered out of turn: " + reply);
        }
    }

    /** The init closed its pipe: it has exited. */
    record Closed() implements InitReply {}

    static InitReply parse(String line) {
        if (line == null) {
            return new Closed();
        }
        String[] f = line.split(" ", 4);
        if (f.length == 2 && isNumber(f[1])) {
            switch (f[0]) {
                case "pid": return new Pid(Long.parseLong(f[1]));
                case "monitor": return new MonitorPid(Long.parseLong(f[1]));
                default: break;
            }
        }
        if (f.length == 3 && f[0].equals("exit") && isNumber(f[2])) {
            int n = Integer.parseInt(f[2]);
            if (f[1].equals("code")) return new Exit(n, null);
            if (f[1].equals("signal")) return new Exit(null, n);
        }
        if (f.length == 4 && f[0].equals("error") && isNumber(f[2])) {
            return new Failure(f[1], Integer.parseInt(f[2]), f[3]);
        }
        switch (line) {
            case "started": return new Started();
            case "created": return new Created();
            case "monitoring": return new Monitoring();
            default: return new Failure("setup", 0, line);
        }
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() <= 18 && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
