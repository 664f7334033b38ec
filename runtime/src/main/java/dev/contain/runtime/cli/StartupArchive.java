package dev.contain.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which start-up archive the JVM began from, as the launcher (launcher.sh) tells it in system properties, and
 * whether the JVM took it: its refusals are in the archive's log. For {@code --trace}.
 */
final class StartupArchive {
    private StartupArchive() {}

    static String describe() {
        String archive = System.getProperty("contain.archive");
        String state = System.getProperty("contain.archive.state");
        if (archive == null || state == null) {
            return "none (the JVM was not started by contain's launcher)";
        }
        return switch (state) {
            case "used" -> {
                String refusal = refusal(Path.of(archive + ".log"));
                yield refusal == null ? kind(archive) + " " + archive
                        : "none: the JVM refused " + archive + " (" + refusal + "); the next run makes it again";
            }
            case "making" -> "none yet: " + archive + " is being made in the background, for the next runs";
            case "failed" -> "none: making " + archive + " failed (see " + archive + ".failed; remove that file to try again)";
            case "off" -> "none (CONTAIN_ARCHIVE=off)";
            default -> "unknown (" + state + ")";
        };
    }

    private static String kind(String archive) {
        return archive.endsWith(".aot") ? "AOT cache" : "AppCDS archive";
    }

    /** The JVM's first complaint about the archive at this start, or null if it had none. */
    private static String refusal(Path log) {
        try {
            return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).findFirst().map(String::strip).orElse(null);
        } catch (IOException e) {
            return null; // the launcher checked it was writable; a log removed since says nothing against the archive
        }
    }
}
