package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process known by pid and start time, so a reused pid is never mistaken for it: who owns a state
 * folder (the engine), and a container's first process. Stored as "pid starttime" in a file.
 */
public record ProcessStamp(long pid, long startTime) {
    public static ProcessStamp of(Kernel kernel, long pid) {
        return new ProcessStamp(pid, kernel.startTime(pid).orElse(0));
    }

    public void write(Kernel kernel, Path file) throws IOException {
        kernel.write(file, line());
    }

    /** The stamp as its file holds it. */
    public String line() {
        return pid + " " + startTime + "\n";
    }

    /** The stamp in a file, if the file exists and holds one. */
    public static Optional<ProcessStamp> read(Kernel kernel, Path file) {
        try {
            String[] f = kernel.read(file).trim().split(" ");
            return Optional.of(new ProcessStamp(Long.parseLong(f[0]), Long.parseLong(f[1])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public boolean alive(Kernel kernel) {
        return kernel.startTime(pid).orElse(-1) == startTime;
    }
}
