package dev.contain.runtime.init;

import dev.contain.runtime.kernel.QuietProcessLogger;
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

    /** Starts the init; if it cannot start the container, the first reply says why. In the data root: the overlay's options name the store's layers relative to it (see Planner). */
    public static InitProcess start(Path binary, Path dataRoot) throws IOException {
        QuietProcessLogger.install();
        Process process = new ProcessBuilder(binary.toString(), Long.toString(ProcessHandle.current().pid()))
                .directory(dataRoot.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        return new InitProcess(process);
    }

    public long pid() {
        return process.pid();
    }

    /** The plan, as {@link InitCodec#encode} made it (the caller keeps the bytes for the state folder). */
    public void sendPlan(byte[] plan) throws IOException {
        synchronized (writeLock) {
            toInit.write(InitCodec.header(plan.length));
            toInit.write(plan);
            toInit.flush();
        }
    }

    public void send(InitCommand command) throws IOException {
        synchronized (writeLock) {
            toInit.write((command.line() + "\n").getBytes(StandardCharsets.UTF_8));
            toInit.flush();
        }
    }

    /** The init's next reply ({@link InitReply.Closed} once it has exited). Only one thread reads. */
    public InitReply read() throws IOException {
        return InitReply.parse(readLine());
    }

    /** Reads replies until the command's exit ("exit code N" or "exit signal N"); null if the init closed its pipe first. */
    public InitReply.Exit awaitExit() throws IOException {
        for (InitReply r; !((r = read()) instanceof InitReply.Closed); ) {
            if (r instanceof InitReply.Exit exit) {
                return exit;
            }
        }
        return null;
    }

    private String readLine() throws IOException {
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
     * run -d: tells the init that the engine has made it the container's owner, waits for its answer, and
     * lets it go on alone (its pipes closed, not waited for).
     */
    public void handOver() throws IOException {
        send(new InitCommand.HandOver());
        InitReply reply = read();
        if (!(reply instanceof InitReply.Monitoring)) {
            throw new IOException("the native init did not take the container over (it said " + reply + ")");
        }
        synchronized (writeLock) {
            toInit.close();
        }
        fromInit.close();
        // Not waited for: it exits at once, and the JDK's reaper thread reaps it (in a CLI that has halted by then,
        // the caller's subreaper or PID 1 does). Waiting here took a round trip through that thread, ~0.5 ms of a run -d.
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
