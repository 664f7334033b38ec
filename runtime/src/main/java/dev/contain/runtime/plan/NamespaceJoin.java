package dev.contain.runtime.plan;

import java.nio.file.Path;
import java.util.Map;

/**
 * A namespace the container's first process joins instead of making: {@code type} as /proc/PID/ns names it
 * (user, mnt, pid, net, ipc, uts, cgroup, time), {@code path} a namespace file (/proc/PID/ns/TYPE or a bind
 * mount of one). The init checks the file is a namespace of that type; see runtime/src/main/c/init/nsjoin.c.
 */
public record NamespaceJoin(String type, Path path) {
    private static final Map<String, Long> FLAGS = Map.of("user", LinuxFlags.CLONE_NEWUSER, "mnt", LinuxFlags.CLONE_NEWNS,
            "pid", LinuxFlags.CLONE_NEWPID, "net", LinuxFlags.CLONE_NEWNET, "ipc", LinuxFlags.CLONE_NEWIPC,
            "uts", LinuxFlags.CLONE_NEWUTS, "cgroup", LinuxFlags.CLONE_NEWCGROUP, "time", LinuxFlags.CLONE_NEWTIME);

    public NamespaceJoin {
        if (!FLAGS.containsKey(type)) {
            throw new IllegalArgumentException("not a namespace type: " + type);
        }
    }

    public static NamespaceJoin network(Path path) {
        return new NamespaceJoin("net", path);
    }

    /** The type's CLONE_NEW* flag. */
    public long flag() {
        return FLAGS.get(type);
    }

    /** The init's plan entry: join_ns TYPE PATH. */
    public static final String KEY = "join_ns";

    /** The CLONE_NEW* flag of a join_ns entry's type field. */
    public static long flag(String type) {
        Long f = FLAGS.get(type);
        return f == null ? 0 : f;
    }
}
