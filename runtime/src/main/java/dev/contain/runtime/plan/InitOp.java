package dev.contain.runtime.plan;

import java.util.List;

/**
 * One step the native init takes inside the container, in order, after "go" and before exec. Java
 * chooses every step and every flag; the init only carries them out (see runtime/src/main/c/init/ops.c).
 * Paths named "container path" are absolute paths as seen inside the container: the init resolves them
 * inside the container's root ({@code /} is the root itself), never following a symlink out of it.
 */
public sealed interface InitOp {
    /** The plan entry: a key the init knows, and its fields. */
    List<String> fields();

    String key();

    /** Makes every mount of the container's namespace private: nothing mounted inside propagates to the host. */
    record MakePrivate() implements InitOp {
        public String key() { return "make_private"; }
        public List<String> fields() { return List.of(); }
    }

    /**
     * An idmapped copy of {@code source} (a host folder: an image or a layer) for the container's user
     * namespace, attached at {@code target} (an empty host folder) in the container's mount namespace: the
     * init's host side makes it after "go", once the id maps are written. Before the overlay that names target.
     */
    record Idmap(java.nio.file.Path source, java.nio.file.Path target) implements InitOp {
        public String key() { return "idmap"; }
        public List<String> fields() { return List.of(source.toString(), target.toString()); }
    }

    /** {@code target}: a container path. {@code source}: a host path for a bind mount, else the filesystem's name. */
    record Mount(String source, String target, String type, long flags, String data) implements InitOp {
        public String key() { return "mount"; }
        public List<String> fields() { return List.of(source, target, type, Long.toString(flags), data); }
    }

    record Mkdir(String path, int mode) implements InitOp {
        public String key() { return "mkdir"; }
        public List<String> fields() { return List.of(path, Integer.toOctalString(mode)); }
    }

    /** A device node ({@code type} 'c' or 'b') or FIFO ('p') at a container path, with its exact mode and owner (container ids). */
    record Mknod(String path, char type, long major, long minor, int mode, long uid, long gid) implements InitOp {
        public String key() { return "mknod"; }
        public List<String> fields() {
            return List.of(path, String.valueOf(type), Long.toString(major), Long.toString(minor), Integer.toOctalString(mode),
                    Long.toString(uid), Long.toString(gid));
        }
    }

    /** The propagation of the namespace's {@code /} (MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, perhaps with MS_REC). */
    record RootPropagation(long flags) implements InitOp {
        public String key() { return "root_propagation"; }
        public List<String> fields() { return List.of(Long.toString(flags)); }
    }

    /** Creates an empty file to bind-mount a file onto (and its missing folders); what exists is left as it is. */
    record Touch(String path) implements InitOp {
        public String key() { return "touch"; }
        public List<String> fields() { return List.of(path); }
    }

    record Symlink(String target, String link) implements InitOp {
        public String key() { return "symlink"; }
        public List<String> fields() { return List.of(target, link); }
    }

    /** Masks a container path: a folder gets an empty read-only tmpfs, a file /dev/null read-only; a missing path is skipped. */
    record Mask(String path) implements InitOp {
        public String key() { return "mask"; }
        public List<String> fields() { return List.of(path); }
    }

    /** A container path bound onto itself with what is below it, read-only; a missing path is skipped. */
    record Readonly(String path) implements InitOp {
        public String key() { return "readonly"; }
        public List<String> fields() { return List.of(path); }
    }

    /** {@code newRoot}: a container path, {@code /}. Without the plan's chroot fallback, a failure fails the run. */
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

    /** Writes {@code value} to an existing file at a container path (a sysctl under /proc/sys), never creating one. */
    record Write(String path, String value) implements InitOp {
        public String key() { return "write"; }
        public List<String> fields() { return List.of(path, value); }
    }

    record Hostname(String name) implements InitOp {
        public String key() { return "hostname"; }
        public List<String> fields() { return List.of(name); }
    }

    /** Stops the process until the engine, told "sync", has run its own hooks and says "resume" (OCI createRuntime). */
    record Sync() implements InitOp {
        public String key() { return "sync"; }
        public List<String> fields() { return List.of(); }
    }

    /**
     * A program the process forks and execs, waiting for it (OCI createContainer; as the {@code start_hook} entry,
     * startContainer): {@code path} is resolved where the process stands, {@code args} is its argv, {@code env} its
     * whole environment, its stdin {@code stateBeforePid}, the process's own pid, {@code stateAfterPid}; it must
     * exit 0 within {@code timeoutSeconds} (0: no limit). {@code name} labels its failure.
     */
    record Hook(String name, long timeoutSeconds, String stateBeforePid, String stateAfterPid, String path, List<String> args,
            List<String> env) implements InitOp {
        public String key() { return "hook"; }
        public List<String> fields() {
            List<String> f = new java.util.ArrayList<>(List.of(name, Long.toString(timeoutSeconds), stateBeforePid, stateAfterPid, path,
                    Integer.toString(args.size())));
            f.addAll(args);
            f.addAll(env);
            return f;
        }
    }
}
