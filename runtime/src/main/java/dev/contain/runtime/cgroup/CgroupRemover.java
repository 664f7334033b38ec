package dev.contain.runtime.cgroup;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Removes a container's cgroup even when processes linger: cgroup.kill on v2, else SIGKILL to every pid
 * in cgroup.procs, then rmdir, retried while the kernel still reports it busy (exiting tasks). A pid read
 * from cgroup.procs could be freed and reused before its kill, so a v1 freezer folder is frozen first:
 * a frozen process cannot exit, so each pid listed is still that process when it is killed (runc too
 * freezes before it signals); the container's freezer folder is undone before its other v1 folders
 * (CgroupStage), which are then empty. A task in uninterruptible sleep can keep the folder from freezing:
 * after ~100 ms the kill goes on as before.
 */
public final class CgroupRemover {
    private static final int ATTEMPTS = 400;

    private CgroupRemover() {}

    public static void remove(Kernel kernel, Path dir) throws IOException {
        if (!kernel.exists(dir)) {
            return;
        }
        for (int attempt = 0; ; attempt++) {
            killAll(kernel, dir, attempt == 0); // later attempts find only killed tasks still exiting: no freeze
            try {
                kernel.rmdir(dir);
                return;
            } catch (FileSystemException e) {
                if (attempt >= ATTEMPTS || !kernel.exists(dir)) {
                    throw e;
                }
                pause(attempt);
            }
        }
    }

    /** rmdir of a shared parent when the last container has left it; kept while others use it. */
    public static void removeIfEmpty(Kernel kernel, Path dir) {
        try {
            kernel.rmdir(dir);
        } catch (DirectoryNotEmptyException ignored) {
            // another container's cgroup is inside
        } catch (IOException ignored) {
            // EBUSY: in use by another run right now; whoever leaves last removes it
        }
    }

    private static void killAll(Kernel kernel, Path dir, boolean freezeFirst) throws IOException {
        Path kill = dir.resolve("cgroup.kill");
        if (kernel.exists(kill)) {
            kernel.write(kill, "1"); // reaches frozen processes too
            return;
        }
        Path freezer = dir.resolve("freezer.state");
        if (freezeFirst && kernel.exists(freezer)) {
            freeze(kernel, freezer);
        }
        try {
            String procs = kernel.exists(dir.resolve("cgroup.procs")) ? kernel.read(dir.resolve("cgroup.procs")) : "";
            long self = ProcessHandle.current().pid(); // whatever a cgroup lists, never the engine itself
            for (String pid : procs.split("\\s+")) {
                if (!pid.isEmpty() && Long.parseLong(pid) != self) {
                    kernel.kill(Long.parseLong(pid));
                }
            }
        } finally {
            thaw(kernel, dir); // whatever failed, nothing stays frozen: a killed task dies only once thawed
        }
    }

    /**
     * Stops every process of the folder where it is. Waits for the kernel to say FROZEN, up to ~100 ms: a task in
     * uninterruptible sleep freezes only when it wakes, and the kill by pid then goes on as before without it.
     */
    private static void freeze(Kernel kernel, Path state) throws IOException {
        kernel.write(state, "FROZEN");
        for (int i = 0; i < 100 && !kernel.read(state).trim().equals("FROZEN"); i++) {
            pause(0);
        }
    }

    /** A paused container's processes: a signal waits until they thaw (runc's destroy thaws too). Killed first, they die at once. */
    private static void thaw(Kernel kernel, Path dir) throws IOException {
        if (kernel.exists(dir.resolve("freezer.state"))) {
            kernel.write(dir.resolve("freezer.state"), "THAWED");
        } else if (kernel.exists(dir.resolve("cgroup.freeze"))) {
            kernel.write(dir.resolve("cgroup.freeze"), "0");
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(attempt < 20 ? 1 : 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
