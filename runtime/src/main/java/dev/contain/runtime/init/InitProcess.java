package dev.contain.runtime.init;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The engine's side of the conversation with the native init, over a unix socket in the container's
 * state folder (Java cannot hand a child an extra fd; a socket needs no native code). The init's stdio
 * is the engine's, so the command reads and writes the user's terminal directly.
 */
public final class InitProcess implements AutoCloseable {
    private final Process process;
    private final SocketChannel channel;
    // Not Channels.newInputStream/newOutputStream: those hold the channel's blocking lock for a whole read,
    // so a signal forwarded while the engine waits for the exit would block. The channel's own read and
    // write may run at once.
    private final ByteBuffer readBuffer = ByteBuffer.allocate(8192).flip();
    private final Object writeLock = new Object();

    private InitProcess(Process process, SocketChannel channel) {
        this.process = process;
        this.channel = channel;
    }

    /** Starts the init and waits for it to connect; fails if it exits first. */
    public static InitProcess start(Path binary, Path socket) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Process process = new ProcessBuilder(binary.toString(), socket.toString()).inheritIO().start();
            // a blocking accept, released by closing the socket if the init dies before it connects
            Thread watcher = new Thread(() -> {
                try {
                    process.waitFor();
                    server.close();
                } catch (InterruptedException | IOException ignored) {
                    // the run ends with the init either way
                }
            }, "init-watcher");
            watcher.setDaemon(true);
            watcher.start();
            try {
                return new InitProcess(process, server.accept());
            } catch (java.nio.channels.ClosedChannelException e) {
                throw new IOException("the native init exited with status " + process.exitValue() + " before connecting");
            } catch (IOException | RuntimeException e) {
                process.destroyForcibly();
                throw e;
            }
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    public long pid() {
        return process.pid();
    }

    public void sendPlan(byte[] plan) throws IOException {
        byte[] header = ("plan 1 " + plan.length + "\n").getBytes(StandardCharsets.US_ASCII);
        write(ByteBuffer.allocate(header.length + plan.length).put(header).put(plan).flip());
    }

    public void send(String line) throws IOException {
        write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private void write(ByteBuffer buffer) throws IOException {
        synchronized (writeLock) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /** The next line from the init, or null when it has exited. Only one thread reads. */
    public String readLine() throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        while (true) {
            while (readBuffer.hasRemaining()) {
                byte b = readBuffer.get();
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            readBuffer.clear();
            int n = channel.read(readBuffer);
            readBuffer.flip();
            if (n < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** Closing the socket tells the init to kill the container, if it still runs. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
