package dev.contain.runtime.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run this CLI again (a detached container's monitor runs {@code contain cleanup NAME} when its
 * command ends): the launcher that started it, which sets CONTAIN_LAUNCHER (with its start-up archives),
 * else this JVM with its class path.
 */
final class Self {
    private Self() {}

    static List<String> command() {
        String launcher = System.getenv("CONTAIN_LAUNCHER");
        if (launcher != null && launcher.startsWith("/") && Files.isExecutable(Path.of(launcher))) {
            return List.of(launcher);
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), Main.class.getName());
    }
}
