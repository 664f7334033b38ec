package dev.contain.runtime.state;

import java.util.Optional;

/**
 * How a container's command ended, as its monitor wrote it ({@code exit}: "code N TIME_MS" or
 * "signal N TIME_MS", renamed into place: read whole or not at all).
 */
public record Exit(Integer code, Integer signal, long finishedMillis) {
    public int exitCode() {
        return signal != null ? 128 + signal : code;
    }

    static Optional<Exit> parse(String text) {
        String[] f = text.trim().split(" ");
        if (f.length != 3) {
            return Optional.empty();
        }
        try {
            int n = Integer.parseInt(f[1]);
            long time = Long.parseLong(f[2]);
            return f[0].equals("code") ? Optional.of(new Exit(n, null, time))
                    : f[0].equals("signal") ? Optional.of(new Exit(null, n, time)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
