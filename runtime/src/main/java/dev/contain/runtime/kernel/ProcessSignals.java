package dev.contain.runtime.kernel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Signals through a pidfd (Linux 5.3+): the engine's own static init does it ({@code contain-init --signal PID
 * START-TIME SIGNAL}, signal.c), opening the pidfd first and then comparing the process's start time with the one
 * recorded, so the signal reaches the process that was recorded or none, even if its pid has been reused
 * meanwhile. Not through JNA in this JVM: JNA's first load sets up java.util.logging, which reads this jar's
 * directory (~40 ms of a stop's ~100, and of every podman stop through contain-oci kill); the init's start is ~2 ms.
 */
final class ProcessSignals {
    /** The init's exit codes (signal.c). */
    private static final int SENT = 0, GONE = 3;

    private ProcessSignals() {}

    /** Sends {@code signal}; false when the process is gone (or is another one now). */
    static boolean signal(Path dataRoot, ProcessStamp process, int signal) throws IOException {
        Path init = EmbeddedBinary.CONTAIN_INIT.ensure(dataRoot);
        QuietProcessLogger.install();
        Process p = new ProcessBuilder(init.toString(), "--signal", Long.toString(process.pid()),
                Long.toString(process.startTime()), Integer.toString(signal))
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String said;
        try (InputStream out = p.getInputStream()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            out.transferTo(bytes);
            said = bytes.toString(StandardCharsets.UTF_8).strip();
        }
        int code;
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("signal " + signal + " to " + process.pid() + ": the init did not answer in 10 s");
            }
            code = p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("signal " + signal + " to " + process.pid() + ": interrupted", e);
        }
        if (code == SENT) {
            return true;
        }
        if (code == GONE) {
            return false;
        }
        throw new IOException("signal " + signal + " to " + process.pid() + ": " + (said.isEmpty() ? "the init exited with " + code : said));
    }
}
