package dev.contain.runtime.cgroup;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Takes the wait out of attaching the container to its cgroup v1 hierarchies. The kernel's first
 * migration after a quiet moment waits for an RCU grace period (cgroup_threadgroup_rwsem's rcu_sync:
 * ~11 ms on this 2-core machine), and a migration within a grace period of another is fast (~0.1 ms).
 * So as soon as the container's cgroup exists, a thread of the engine moves itself into it (v1's
 * {@code tasks} file takes one thread) and ends; the grace period passes while the init starts, and the
 * container's own attach finds it passed. Only ever our own thread into our own cgroup; the run awaits
 * the thread's end before attaching the container and before removing the cgroup, so it never runs, nor
 * is counted, beside the command. An optimisation only: a failure is ignored (the real attach reports).
 */
public final class AttachPrimer {
    private final Thread thread;

    private AttachPrimer(Thread thread) {
        this.thread = thread;
    }

    /** Starts the primer for a container's v1 cgroup. */
    public static AttachPrimer start(Kernel kernel, CgroupPlan v1Plan) {
        // any hierarchy will do (the lock is global); not memory, where even a thread's last page is charged
        Path pids = v1Plan.dir("pids");
        Path cpu = v1Plan.dir("cpu");
        Path v1CgroupDir = pids != null ? pids : cpu != null ? cpu : v1Plan.dirs().get(0).path();
        Thread thread = new Thread(() -> {
            try {
                // "PID/task/TID": the kernel skips the global lock (and so the grace period) for "0" or self
                // written without an id, so the thread names itself
                String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
                kernel.write(v1CgroupDir.resolve("tasks"), tid);
            } catch (IOException | RuntimeException ignored) {
                // only lost speed: the container's attach pays the grace period itself
            }
        }, "contain-attach-primer");
        thread.setDaemon(true);
        thread.start();
        return new AttachPrimer(thread);
    }

    /** Waits for the thread to end, so it has left the cgroup. */
    public void await() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
