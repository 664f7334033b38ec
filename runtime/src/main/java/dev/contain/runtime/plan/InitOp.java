package dev.contain.runtime.plan;

import java.util.List;

/**
 * One step the native init takes inside the container, in order, after "go" and before exec. Java
 * chooses every step and every flag; the init only carries them out (see contain-init.c).
 */
public sealed interface InitOp {
    /** The plan entry: a key the init knows, and its fields. */
    List<String> fields();

    String key();

    record Mount(String source, String target, String type, long flags, String data) implements InitOp {
        public String key() { return "mount"; }
        public List<String> fields() { return List.of(source, target, type, Long.toString(flags), data); }
    }

    record Mkdir(String path, int mode) implements InitOp {
        public String key() { return "mkdir"; }
        public List<String> fields() { return List.of(path, Integer.toOctalString(mode)); }
    }

    /** Creates an empty file to bind-mount a file onto. */
    record Touch(String path) implements InitOp {
        public String key() { return "touch"; }
        public List<String> fields() { return List.of(path); }
    }

    record Symlink(String target, String link) implements InitOp {
        public String key() { return "symlink"; }
        public List<String> fields() { return List.of(target, link); }
    }

    record PivotRoot(String newRoot) implements InitOp {
        public String key() { return "pivot_root"; }
        public List<String> fields() { return List.of(newRoot); }
    }

    /** unshare(2) after "go": the cgroup namespace is made once the process is in its cgroup, so that is its root. */
    record Unshare(long flags) implements InitOp {
        public String key() { return "unshare"; }
        public List<String> fields() { return List.of(Long.toString(flags)); }
    }

    /** Brings up lo in a new network namespace (an ioctl; no netlink needed for that). */
    record LoopbackUp() implements InitOp {
        public String key() { return "loopback_up"; }
        public List<String> fields() { return List.of(); }
    }

    record Hostname(String name) implements InitOp {
        public String key() { return "hostname"; }
        public List<String> fields() { return List.of(name); }
    }
}
