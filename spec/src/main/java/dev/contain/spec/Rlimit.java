package dev.contain.spec;

import java.util.Locale;

/** Resource limits (setrlimit(2)) by their lowercase names, as docker's --ulimit writes them; the ordinal is RLIMIT_*. */
public enum Rlimit {
    CPU, FSIZE, DATA, STACK, CORE, RSS, NPROC, NOFILE, MEMLOCK, AS, LOCKS, SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME;

    /** The kernel's RLIMIT_* number. */
    public int number() {
        return ordinal();
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A soft and hard limit; {@link #UNLIMITED} is RLIM_INFINITY. */
    public record Value(Rlimit resource, long soft, long hard) {
        public static final long UNLIMITED = -1;

        @Override
        public String toString() {
            return resource.key() + " " + text(soft) + ":" + text(hard);
        }

        public static String text(long limit) {
            return limit == UNLIMITED ? "unlimited" : Long.toString(limit);
        }
    }
}
