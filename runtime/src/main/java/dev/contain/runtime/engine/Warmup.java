package dev.contain.runtime.engine;

import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.spec.SpecParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * First-use costs of a run, paid on the second core while the main thread reads the command line and the spec.
 * A JVM runs a class's initialiser once, on whichever thread comes first, so this changes no behaviour:
 * it only initialises classes and reads files; it creates, writes and starts nothing on the machine. A
 * cold run spends much of its time in such first uses (see README, Performance); one thread, started
 * once, no pool. One thing it reads is kept: the cgroup layout, which the run's plan takes
 * ({@link #takeCgroupLayout}) instead of reading /proc/self/mountinfo again on the main thread (~2.2 ms).
 */
public final class Warmup {
    /**
     * Block and flow mappings, a sequence, quantities, percentages, a network: the parser paths a typical spec
     * takes; and users: host, so its class is in the start-up archives made from a default run (a class they
     * lack makes the JVM open the jar: ~5 ms).
     */
    private static final String SAMPLE_SPEC = """
            image: /warmup
            resources: { memory: 64Mi, cpu: 50%, pids: 64 }
            network: { bridge: warmup0, subnet: 10.0.0.0/24, address: 10.0.0.2/24 }
            users: host
            command: [/bin/true]
            """;

    /**
     * The layout a warm-up reads, for the run's plan. A monitor, not a FutureTask or an atomic: their VarHandles'
     * first use cost the main thread ~0.6 ms before the warm-up had even started.
     */
    private static final class Handover implements Runnable {
        private boolean done;
        private CgroupLayout layout; // null: reading it failed

        /** The warm-up thread's work (a class of its own: a capturing lambda's first call costs the main thread). */
        @Override
        public void run() {
            Warmup.run(this);
        }

        synchronized void done(CgroupLayout read) {
            layout = read;
            done = true;
            notifyAll();
        }

        synchronized Optional<CgroupLayout> await() throws InterruptedException {
            while (!done) {
                wait();
            }
            return Optional.ofNullable(layout);
        }
    }

    /** The last warm-up's layout, until taken (guarded by Warmup.class). */
    private static Handover pending;

    private Warmup() {}

    /** Starts the warm-up on a daemon thread; the JVM does not wait for it at exit. */
    public static void start() {
        Handover read = new Handover();
        synchronized (Warmup.class) {
            pending = read;
        }
        Thread thread = new Thread(read, "contain-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * In the order the main thread will need them after the spec, which it reads at once (the command line is
     * read in ~1 ms): parsing the sample first made the two threads queue for the same classes' initialisers.
     */
    private static void run(Handover read) {
        CgroupLayout detected = null;
        try {
            detected = CgroupLayout.detect();
        } catch (IOException | RuntimeException e) {
            // the run reads it again, and reports the failure with the container's name
        } finally {
            read.done(detected);
        }
        try {
            // the security policy's first uses: its capability tables, and the kernel's version and last capability
            dev.contain.runtime.security.CapabilitySets.DOCKER_DEFAULT.size();
            dev.contain.runtime.security.Platform.current();
            ProcessHandle.current();
            // the init's reaper completes a future. (Not ProcessBuilder's logger: asked from here rather
            // than from java.base, System.getLogger sets up java.util.logging, ~5 ms of CPU for nothing.)
            java.util.concurrent.CompletableFuture.completedFuture(null);
            SpecParser.parse(SAMPLE_SPEC, "warmup", Path.of("/"), "warmup", null, List.of()); // for the archives (above)
        } catch (IOException | RuntimeException e) {
            // nothing to report: the run itself meets the same failure, on its own thread, with context
        }
    }

    /**
     * The cgroup layout the warm-up read, once (waiting for it if it is being read): what the process's first
     * {@link CgroupLayout#detect} would return, read a few ms earlier by this same process, before it mounted
     * anything. Empty when no warm-up ran, it was taken, or reading failed (the caller reads it again, and
     * reports a failure with the container's name).
     */
    static Optional<CgroupLayout> takeCgroupLayout() {
        Handover read;
        synchronized (Warmup.class) {
            read = pending;
            pending = null;
        }
        if (read == null) {
            return Optional.empty();
        }
        try {
            return read.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
