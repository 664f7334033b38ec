package dev.contain.runtime.init;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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
    private final BufferedReader in;
    private final OutputStream out;

    private InitProcess(Process process, SocketChannel channel) {
        this.process = process;
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    /** Starts the init and waits for it to connect; fails if it exits first. */
    public static InitProcess start(Path binary, Path socket) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Process process = new ProcessBuilder(binary.toString(), socket.toString()).inheritIO().start();
            try {
                server.configureBlocking(false);
                try (Selector selector = Selector.open()) {
                    server.register(selector, SelectionKey.OP_ACCEPT);
                    while (true) {
                        selector.select(50); // wakes on connect at once; the timeout only notices an init that died
                        SocketChannel channel = server.accept();
                        if (channel != null) {
                            channel.configureBlocking(true);
                            return new InitProcess(process, channel);
                        }
                        if (!process.isAlive()) {
                            throw new IOException("the native init exited with status " + process.exitValue() + " before connecting");
                        }
                    }
                }
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
        synchronized (out) {
            out.write(header);
            out.write(plan);
            out.flush();
        }
    }

    public void send(String line) throws IOException {
        synchronized (out) {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** The next line from the init, or null when it has exited. */
    public String readLine() throws IOException {
        return in.readLine();
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
