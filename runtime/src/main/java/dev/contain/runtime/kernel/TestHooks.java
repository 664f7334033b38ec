package dev.contain.runtime.kernel;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named points in a run where tests stop the engine, to prove that whatever a kill leaves, {@code contain gc}
 * undoes (every object is journaled before it is made) and that a stalled engine's state is never taken
 * for a dead one's. Off unless the engine's JVM was started with one of these system properties, read
 * once at start-up (properties, not environment variables: the JVM reads its environment into a map on
 * first use, ~0.5 ms of every run):
 * <ul>
 *   <li>{@code -Dcontain.test.crashAt=POINT}: the engine kills itself with SIGKILL there (no teardown, no
 *       finally block, no shutdown hook runs: what kill -9 does);</li>
 *   <li>{@code -Dcontain.test.pauseAt=POINT}: the engine stops itself with SIGSTOP there, until SIGCONT (the
 *       first time it passes the point only).</li>
 * </ul>
 * POINT is a name ({@code network:leased}) or {@code #N}, the Nth point the run passes, so a test can stop
 * at every step in turn without knowing their names. The engine says on stderr which point it stopped at:
 * {@code contain: test: point N (NAME): KILL}.
 */
public final class TestHooks {
    public static final String CRASH_AT_PROPERTY = "contain.test.crashAt";
    public static final String PAUSE_AT_PROPERTY = "contain.test.pauseAt";
    private static final String CRASH_AT = System.getProperty(CRASH_AT_PROPERTY);
    private static final String PAUSE_AT = System.getProperty(PAUSE_AT_PROPERTY);
    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicBoolean PAUSED = new java.util.concurrent.atomic.AtomicBoolean();

    private TestHooks() {}

    /** Whether a test asked for a stop (to skip building a point's name otherwise). */
    public static boolean on() {
        return CRASH_AT != null || PAUSE_AT != null;
    }

    /** Passes a point; stops here if a test asked for it. */
    public static void point(String name) {
        if (!on()) {
            return;
        }
        int n = PASSED.incrementAndGet();
        if (matches(CRASH_AT, name, n)) {
            signalSelf("KILL", name, n);
            while (true) { // SIGKILL is on its way; nothing more may happen here
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ignored) {
                    // still waiting for it
                }
            }
        }
        if (matches(PAUSE_AT, name, n) && !PAUSED.getAndSet(true)) {
            signalSelf("STOP", name, n); // returns once a test sends SIGCONT
        }
    }

    /**
     * A point a test stops at by its name only, not counted in {@code #N}: one that only some runs pass (the
     * first in a data root), which would shift the numbers of every later point between runs.
     */
    public static void named(String name) {
        if (on() && (name.equals(CRASH_AT) || name.equals(PAUSE_AT))) {
            point(name);
        }
    }

    private static boolean matches(String wanted, String name, int n) {
        return wanted != null && (wanted.equals(name) || wanted.equals("#" + n));
    }

    /**
     * Through kill(1): JNA is not loaded in every run, and the JVM refuses to signal its own process. The
     * signal names this thread's id, not the process's: the kernel hands a process-wide stop to one thread,
     * which then stops the others, and the others run on until it gets a CPU. Sent to the pid, it went to
     * the JVM's first thread (idle in pthread_join); under load this thread saw kill(1) exit and went on
     * with its work (releasing a lock a test relied on) before the stop took hold. Named by its own id,
     * this thread takes the stop itself, before it runs another instruction of Java.
     */
    private static void signalSelf(String signal, String name, int n) {
        System.err.println("contain: test: point " + n + " (" + name + "): " + signal);
        System.err.flush();
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, thisThreadsId())
                    .redirectErrorStream(true).start();
            kill.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("test hook: cannot run kill: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The calling thread's id in the kernel: /proc/thread-self links to "PID/task/TID". */
    private static String thisThreadsId() throws IOException {
        return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self")).getFileName().toString();
    }
}
