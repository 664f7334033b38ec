package dev.contain.runtime.image;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stream read by a thread of its own, a few MiB ahead of its reader: a layer's decompression and hashing
 * (CPU) run beside the unpacking (file creation, mostly system calls), on two cores at once. The source is
 * read to its end, then {@code after} runs in the same thread (draining what follows the compressed data,
 * say), even if the source failed; the reader sees the end only once both are done, and any failure of
 * either as its own.
 */
final class ReadAhead extends InputStream {
    private static final int CHUNK = 1 << 18;
    private static final byte[] END = new byte[0];

    /** Work for the reading thread once the source has ended. */
    @FunctionalInterface
    interface After {
        void run() throws IOException;
    }

    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(16);
    private final Thread thread;
    private volatile IOException failure;
    private volatile boolean closed;
    private volatile boolean finished;
    private byte[] current;
    private int pos;

    ReadAhead(InputStream source, After after) {
        thread = new Thread(() -> pump(source, after), "contain-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    private void pump(InputStream source, After after) {
        try {
            while (!closed) {
                byte[] buf = new byte[CHUNK];
                int n = source.readNBytes(buf, 0, CHUNK);
                if (n > 0) {
                    put(n == CHUNK ? buf : Arrays.copyOf(buf, n));
                }
                if (n < CHUNK) {
                    break;
                }
            }
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new IOException(e.toString(), e);
        } catch (InterruptedException e) {
            return; // closed by the reader
        }
        try {
            if (!closed) {
                after.run(); // also after a failure of the source: what follows may say why (a digest)
                finished = true;
            }
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
        try {
            put(END);
        } catch (InterruptedException e) {
            // closed by the reader: no one waits for the end
        }
    }

    /** Waits for room, unless the reader has closed the stream. */
    private void put(byte[] chunk) throws InterruptedException {
        while (!closed) {
            if (queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
        throw new InterruptedException("closed");
    }

    /** Whether {@code after} ran to its end (seen once the reader has met the end or the failure). */
    boolean finished() {
        return finished;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (current == null || (pos == current.length && current != END)) {
            try {
                current = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            pos = 0;
        }
        if (current == END) {
            if (failure != null) {
                throw failure;
            }
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
