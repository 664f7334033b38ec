package dev.contain.runtime.init;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The engine's side of the conversation with the native init, over the init's stdin and stdout: two
 * pipes, the only descriptors Java can give a child besides stdio. The init takes the engine's own stdin
 * and stdout for the container (pidfd_getfd) and inherits its stderr, so the command reads and writes
 * the user's terminal directly. Pipes rather than a unix socket: the JDK's unix-socket class seeds a
 * SecureRandom when first used, ~10 ms of CPU at every start (see README, Performance).
 */
public final class InitProcess implements AutoCloseable {
    private final Process process;
    private final InputStream fromInit;
    private final OutputStream toInit;
    // Reading and writing are separate pipes: a signal forwarded while the engine waits for the exit
    // line is written at once. Writers (the run and the signal handler) take turns.
    private final Object writeLock = new Object();

    private InitProcess(Process process) {
        this.process = process;
        this.fromInit = process.getInputStream();
        this.toInit = process.getOutputStream();
    }

    /** Starts the init; if it cannot start the container, the first line read says why (or is null). */
    /** In the data root: the overlay's options name the store's layers relative to it (see Planner). */
    public static InitProcess start(Path binary, Path dataRoot) throws IOException {
        Process process = new ProcessBuilder(binary.toString(), Long.toString(ProcessHandle.current().pid()))
                .directory(dataRoot.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        return new InitProcess(process);
    }

    public long pid() {
        return process.pid();
    }

    public void sendPlan(byte[] plan) throws IOException {
        byte[] header = ("plan " + dev.contain.runtime.plan.Plan.INIT_PLAN_VERSION + " " + plan.length + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        synchronized (writeLock) {
            toInit.write(header);
            toInit.write(plan);
            toInit.flush();
        }
    }

    public void send(String line) throws IOException {
        synchronized (writeLock) {
            toInit.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            toInit.flush();
        }
    }

    /**
     * A failure the init reports instead of "pid" or "started": {@code error KIND ERRNO MESSAGE}, where
     * KIND is setup, exec or cgroup (see runtime/src/main/c/init/init.h). A setup message says what the
     * init did, on which container path, and the errno's text.
     */
    public record Failure(String kind, int errno, String message) {
        public static Failure parse(String line) {
            String[] f = line.split(" ", 4);
            return f.length == 4 && f[0].equals("error") && f[2].chars().allMatch(Character::isDigit)
                    ? new Failure(f[1], Integer.parseInt(f[2]), f[3])
                    : new Failure("setup", 0, line);
        }

        /** What the user reads after the container's name: "setup", "cgroup", or (exec) the stage that was waiting. */
        public String stage(String waiting) {
            return kind.equals("cgroup") || kind.equals("setup") ? kind : waiting;
        }
    }

    /** The next line from the init, or null when it has exited. Only one thread reads. */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = fromInit.read()) >= 0; ) {
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /**
     * How the init ended, once its output is closed: Java's exit value, 128+N when signal N killed it (the
     * init's own exit codes are 0, 125 and 137, the last only once the engine has closed its pipe). Empty
     * if it still runs after a few seconds.
     */
    public java.util.OptionalInt exitValue() {
        try {
            return process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)
                    ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.OptionalInt.empty();
        }
    }

    /** Closing the pipe to the init tells it to kill the container, if it still runs. */
    @Override
    public void close() {
        synchronized (writeLock) {
            try {
                toInit.close();
            } catch (IOException ignored) {
                // the init is gone already
            }
        }
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                fromInit.close();
            } catch (IOException ignored) {
                // nothing left to read
            }
        }
    }
}
