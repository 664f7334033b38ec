package dev.contain.runtime.init;

import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.Security;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the plan the native init reads: a key it knows and its fields (runtime/src/main/c/init/plan.c
 * and init.h are the truth: their table of entries and the operations of ops.c). {@link InitCodec} turns a
 * list of them into the bytes on the wire and back. A new entry is a new record here: its key and its fields
 * (and, to be read back from a stored plan, one line in {@link InitCodec#decode}).
 * The plan's version is the codec's, not an entry of the list.
 */
public sealed interface InitMessage {
    String key();

    /** The fields as the init reads them (numbers in the base plan.c expects). */
    List<String> fields();

    /** Entries a process exec'd into the container keeps from the container's plan: how it is confined. */
    sealed interface Confinement extends InitMessage {}

    /** clone(2)'s namespace flags for the container's first process. */
    record Clone(long flags) implements InitMessage {
        public String key() { return "clone"; }
        public List<String> fields() { return List.of(Long.toUnsignedString(flags)); }
    }

    /** A namespace to join instead of making it (a container sharing another's network, an OCI config's paths): nsjoin.c. Repeatable. */
    record JoinNs(dev.contain.runtime.plan.NamespaceJoin join) implements InitMessage {
        public String key() { return "join_ns"; }
        public List<String> fields() { return List.of(join.type(), join.path().toString()); }
    }

    /** cgroup v1: a {@code tasks} file the process writes itself into. Repeatable. */
    record CgroupJoin(Path tasks) implements Confinement {
        public String key() { return "cgroup_join"; }
        public List<String> fields() { return List.of(tasks.toString()); }
    }

    /** cgroup v2: the cgroup the process is cloned into (CLONE_INTO_CGROUP). */
    record CloneIntoCgroup(Path cgroup) implements Confinement {
        public String key() { return "clone_into_cgroup"; }
        public List<String> fields() { return List.of(cgroup.toString()); }
    }

    record Rootfs(Path root) implements InitMessage {
        public String key() { return "rootfs"; }
        public List<String> fields() { return List.of(root.toString()); }
    }

    /** The init may chroot where pivot_root fails (a host whose / is an initramfs). */
    record ChrootFallback() implements InitMessage {
        public String key() { return "chroot_fallback"; }
        public List<String> fields() { return List.of(); }
    }

    /** One operation inside the container, in order (ops.c): the plan's own {@link InitOp}s. */
    record Op(InitOp op) implements InitMessage {
        public String key() { return op.key(); }
        public List<String> fields() { return op.fields(); }
    }

    record Argv(List<String> argv) implements InitMessage {
        public Argv { argv = List.copyOf(argv); }
        public String key() { return "argv"; }
        public List<String> fields() { return argv; }
    }

    /** NAME=VALUE each. */
    record Env(List<String> env) implements InitMessage {
        public Env { env = List.copyOf(env); }
        public String key() { return "env"; }
        public List<String> fields() { return env; }
    }

    /** The working directory, a container path. */
    record Cwd(String dir) implements InitMessage {
        public String key() { return "cwd"; }
        public List<String> fields() { return List.of(dir); }
    }

    record User(long uid, long gid, List<Long> groups) implements InitMessage {
        public User { groups = List.copyOf(groups); }
        public String key() { return "user"; }
        public List<String> fields() {
            List<String> f = new ArrayList<>(2 + groups.size());
            f.add(Long.toString(uid));
            f.add(Long.toString(gid));
            groups.forEach(g -> f.add(Long.toString(g)));
            return f;
        }
    }

    /** PID 1 stays: forks the command, forwards signals, reaps (init: true). */
    record Reaper() implements InitMessage {
        public String key() { return "reaper"; }
        public List<String> fields() { return List.of(); }
    }

    record Caps(Security.Caps caps) implements Confinement {
        public String key() { return "caps"; }
        public List<String> fields() { return caps.fields(); }
    }

    /** A new anonymous session keyring, joined first in the process's tail (process.c); an exec'd process joins its own too. */
    record NewKeyring() implements Confinement {
        public String key() { return "new_keyring"; }
        public List<String> fields() { return List.of(); }
    }

    record NoNewPrivs() implements Confinement {
        public String key() { return "no_new_privs"; }
        public List<String> fields() { return List.of(); }
    }

    /** The program goes on the wire as lowercase hex; the codec writes it straight from the bytes (see InitCodec). */
    record Seccomp(Security.Seccomp filter) implements Confinement {
        public String key() { return "seccomp"; }
        public List<String> fields() {
            return List.of(Integer.toUnsignedString(filter.flags()), java.util.HexFormat.of().formatHex(filter.program()));
        }
    }

    record Rlimit(Security.Rlimit limit) implements Confinement {
        public String key() { return "rlimit"; }
        public List<String> fields() {
            return List.of(Integer.toString(limit.resource()), Security.Rlimit.text(limit.soft()), Security.Rlimit.text(limit.hard()));
        }
    }

    /** -1000 to 1000, written by the host side for the container's process. */
    record OomScoreAdj(int value) implements Confinement {
        public String key() { return "oom_score_adj"; }
        public List<String> fields() { return List.of(Integer.toString(value)); }
    }

    record Umask(int mask) implements InitMessage {
        public String key() { return "umask"; }
        public List<String> fields() { return List.of(Integer.toOctalString(mask)); }
    }

    /**
     * run -d: the host side stays as the container's monitor (monitor.c); needs {@link Log} and {@link ExitFile}.
     * With {@link Join} (exec -d): it stays as the exec'd process's parent until it ends, its output to /dev/null.
     */
    record Detach() implements InitMessage {
        public String key() { return "detach"; }
        public List<String> fields() { return List.of(); }
    }

    /** run -d: the command's output, rotated at {@code max} bytes (at least 4096). */
    record Log(Path file, long max) implements InitMessage {
        public String key() { return "log"; }
        public List<String> fields() { return List.of(file.toString(), Long.toString(max)); }
    }

    /** run -d: "code N TIME_MS" or "signal N TIME_MS", written by rename when the command ends. */
    record ExitFile(Path file) implements InitMessage {
        public String key() { return "exit_file"; }
        public List<String> fields() { return List.of(file.toString()); }
    }

    /** run -d: what the monitor execs when the command has ended (the engine's teardown); argv[0] absolute. */
    record OnExit(List<String> argv) implements InitMessage {
        public OnExit { argv = List.copyOf(argv); }
        public String key() { return "on_exit"; }
        public List<String> fields() { return argv; }
    }

    /** exec: join the running container whose first process this is (pid and start time) in these namespaces. */
    record Join(long pid, long startTime, long namespaces) implements InitMessage {
        public String key() { return "join"; }
        public List<String> fields() { return List.of(Long.toString(pid), Long.toString(startTime), Long.toString(namespaces)); }
    }

    /** -t: the command's stdio is a pty made inside the container (tty.c). */
    record Tty() implements InitMessage {
        public String key() { return "tty"; }
        public List<String> fields() { return List.of(); }
    }

    /** With {@link Tty}: the pty's master goes to this unix socket (SCM_RIGHTS), not relayed (OCI --console-socket). */
    record ConsoleSocket(Path socket) implements InitMessage {
        public String key() { return "console_socket"; }
        public List<String> fields() { return List.of(socket.toString()); }
    }

    /** With {@link Tty}: the pty's window size (OCI consoleSize). */
    record ConsoleSize(int rows, int cols) implements InitMessage {
        public String key() { return "console_size"; }
        public List<String> fields() { return List.of(Integer.toString(rows), Integer.toString(cols)); }
    }

    /** With {@link Join} (OCI exec --detach): after "started", {@link InitCommand.Release} leaves the process to the caller. */
    record Release() implements InitMessage {
        public String key() { return "release"; }
        public List<String> fields() { return List.of(); }
    }

    /** The command's stdin is /dev/null, not the engine's (exec without -i, as docker's). */
    record StdinNull() implements InitMessage {
        public String key() { return "stdin_null"; }
        public List<String> fields() { return List.of(); }
    }

    /** OCI --preserve-fds (and LISTEN_FDS): the engine's descriptors 3..3+N-1 are the command's, as they are (host.c). */
    record PreserveFds(int count) implements InitMessage {
        public String key() { return "preserve_fds"; }
        public List<String> fields() { return List.of(Integer.toString(count)); }
    }

    /** OCI create: the process waits at this fifo (made by the host side) before exec (created.c). */
    record ExecFifo(Path fifo) implements InitMessage {
        public String key() { return "exec_fifo"; }
        public List<String> fields() { return List.of(fifo.toString()); }
    }

    /** OCI startContainer: a hook the process runs just before its command, after the exec fifo opened (hooks.c). */
    record StartHook(InitOp.Hook hook) implements InitMessage {
        public String key() { return "start_hook"; }
        public List<String> fields() { return hook.fields(); }
    }
}
