package dev.contain.runtime.kernel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The engine's static init in one of its one-shot modes ({@code --signal}, {@code --terminal}): ~2 ms, where the
 * same call through JNA in this JVM would first load JNA, whose java.util.logging set-up reads this jar's directory
 * (~40 ms). Its exit code and what it printed (stdout and stderr) come back; the mode defines the codes.
 */
final class InitModes {
    record Outcome(int code, String output) {}

    private InitModes() {}

    /** Runs the init with {@code args}; with {@code engineStdin} its stdin is this JVM's (a terminal to look at), else /dev/null. */
    static Outcome run(Path dataRoot, boolean engineStdin, String what, String... args) throws IOException {
        Path init = EmbeddedBinary.CONTAIN_INIT.ensure(dataRoot);
        List<String> command = new ArrayList<>(List.of(init.toString()));
        command.addAll(List.of(args));
        QuietProcessLogger.install();
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(engineStdin ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try { // waited for first: its few lines fit in the pipe, and a stopped init (SIGTTOU) would hold a read forever
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + ": the init did not answer in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(what + ": interrupted", e);
        }
        try (InputStream out = p.getInputStream()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            out.transferTo(bytes);
            return new Outcome(p.exitValue(), bytes.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** The message of an outcome the mode calls a failure. */
    static IOException failure(String what, Outcome outcome) {
        return new IOException(what + ": " + (outcome.output().isEmpty() ? "the init exited with " + outcome.code() : outcome.output()));
    }
}
