package dev.contain.runtime.base;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the engine keeps things: images and containers' writable layers under {@code dataRoot}
 * (default /var/lib/contain), per-run state and journals under {@code runRoot} (default /run/contain),
 * the user it runs as (for default id mappings), and where containers' id ranges come from ({@code ids}).
 */
public record EngineConfig(Path dataRoot, Path runRoot, long engineUid, long engineGid, IdConfig ids) {
    public static final Path DEFAULT_DATA_ROOT = Path.of("/var/lib/contain");
    public static final Path DEFAULT_RUN_ROOT = Path.of("/run/contain");

    public static EngineConfig of(Path dataRoot, Path runRoot) {
        long[] ids = currentIds();
        return new EngineConfig(dataRoot.toAbsolutePath().normalize(), runRoot.toAbsolutePath().normalize(), ids[0], ids[1],
                IdConfig.DEFAULT);
    }

    public EngineConfig withIds(IdConfig ids) {
        return new EngineConfig(dataRoot, runRoot, engineUid, engineGid, ids);
    }

    /** Real uid and gid from /proc/self/status: no native call needed. */
    private static long[] currentIds() {
        long uid = 0;
        long gid = 0;
        try {
            for (String line : Files.readString(Path.of("/proc/self/status")).split("\n")) {
                if (line.startsWith("Uid:")) uid = firstNumber(line);
                if (line.startsWith("Gid:")) gid = firstNumber(line);
            }
        } catch (IOException | RuntimeException e) {
            // keep root: the engine needs it for cgroups and mounts anyway
        }
        return new long[] {uid, gid};
    }

    /** "Uid:\t0\t0\t0\t0": the real id, the first number (not a regex split, which compiles a pattern at every start). */
    private static long firstNumber(String line) {
        String rest = line.substring(4).strip();
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        return Long.parseLong(rest.substring(0, end));
    }
}
