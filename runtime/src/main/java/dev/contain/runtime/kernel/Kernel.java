package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The narrow interface through which the engine changes the host: files (cgroupfs, uid_map, state),
 * folders, and processes. {@link LinuxKernel} does it for real; tests use a recording fake so cgroup
 * and teardown logic can be checked without root.
 */
public interface Kernel {
    void mkdirs(Path dir) throws IOException;

    /** mkdir that fails if the folder exists: how a container name is claimed. */
    void mkdirExclusive(Path dir) throws IOException;

    void write(Path file, String content) throws IOException;

    /** Each value in a write(2) of its own on one open file: cgroup files take one value per write. */
    void writeEach(Path file, List<String> values) throws IOException;

    String read(Path file) throws IOException;

    boolean exists(Path path);

    List<Path> list(Path dir) throws IOException;

    /** rmdir: for cgroups, which are removed as empty folders even though they hold files. */
    void rmdir(Path dir) throws IOException;

    /** rm -rf that does not follow symlinks and does not cross into other mounts. */
    void deleteTree(Path dir) throws IOException;

    /** mkdir with exactly {@code mode} (not narrowed by the umask); fails if it exists. */
    void mkdir(Path dir, int mode) throws IOException;

    /** lchown: a symlink itself, never what it points to; a negative id is left as it is. */
    void chown(Path path, long uid, long gid) throws IOException;

    void chmod(Path path, int mode) throws IOException;

    void symlink(Path link, Path target) throws IOException;

    /**
     * cgroup v2: attaches a BPF_PROG_TYPE_CGROUP_DEVICE program (struct bpf_insn array, native byte order) to
     * the cgroup, so its processes open and mknod only the devices it allows. It stays attached until the
     * cgroup is removed.
     */
    void attachDeviceFilter(Path cgroup, byte[] program) throws IOException;

    /** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), if it is alive. */
    OptionalLong startTime(long pid);

    /**
     * mount(2) in the engine's mount namespace: only to open the cgroup hierarchies where that namespace
     * has none (see CgroupMounts).
     */
    void mount(String type, String source, String options, Path target) throws IOException;

    /** SIGKILL a process found in a cgroup the engine made (so one of ours). */
    void kill(long pid);

    /**
     * SIGKILL {@code process}, only if it is still the one recorded: through the init in {@code dataRoot}, which
     * signals a pidfd (see {@link #signal}). With no data root (a journal line of an older engine), checked here
     * and then killed by pid, which a pid reused in between would defeat.
     */
    default void killIfSame(Path dataRoot, ProcessStamp process) throws IOException {
        if (!process.alive(this)) {
            return; // the usual case at a teardown: ended already, nothing to start
        }
        if (dataRoot == null) {
            kill(process.pid());
        } else {
            signal(dataRoot, process, 9); // SIGKILL
        }
    }

    /**
     * Sends a signal through a pidfd of {@code process}, opened before its start time is checked, so a
     * reused pid is never signalled; false when it is gone. {@code dataRoot}: where the engine's init is kept (it sends it).
     */
    default boolean signal(Path dataRoot, ProcessStamp process, int signal) throws IOException {
        return ProcessSignals.signal(dataRoot, process, signal);
    }

    /** The settings of the terminal on this process's stdin, or empty if it is no terminal; {@code dataRoot}: the init's. */
    default java.util.Optional<TerminalSettings> terminalSettings(Path dataRoot) throws IOException {
        return Terminals.save(dataRoot);
    }

    /** Sets the settings of the terminal on this process's stdin again (at once: nothing is waited for). */
    default void setTerminalSettings(Path dataRoot, TerminalSettings settings) throws IOException {
        Terminals.restore(dataRoot, settings);
    }

    /**
     * Whether this thread's network namespace has a link named {@code name}, from /proc (no netlink: a teardown
     * whose veth went with the container's namespace, and whose bridge stays, never loads JNA and libnl).
     */
    default boolean hasLink(String name) throws IOException {
        for (String line : read(Path.of("/proc/thread-self/net/dev")).split("\n")) {
            int colon = line.indexOf(':'); // "  NAME: counters"; a link's name has no ':', the two header lines no "NAME:"
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** A netlink (route) session in this process's network namespace, through libnl; the caller closes it. */
    default Netlink openNetlink() throws NetlinkException {
        return Netlink.open();
    }

    /** Runs {@code work} with a netlink session inside the network namespace of process {@code pid}. */
    default void insideNetns(long pid, Netlink.Work work) throws NetlinkException {
        Netlink.inside(pid, work);
    }

    /** Loads JNA, libnl and libnftables on a thread of its own, for a run that needs them after other work. */
    default void preloadNetlink(Path dataRoot) {
        Netlink.preload(dataRoot);
    }

    /** Runs one batch of nftables JSON commands (libnftables) in this thread's network namespace; its JSON output. */
    default String nftables(String json) throws NetlinkException {
        return Libnftables.run(json);
    }

    /** The file calls Java lacks (mknod, lchown, utimes of links...) through libc; {@code dataRoot}: JNA's library. */
    default NativeFiles nativeFiles(Path dataRoot) throws IOException {
        return NativeFiles.load(dataRoot);
    }
}
