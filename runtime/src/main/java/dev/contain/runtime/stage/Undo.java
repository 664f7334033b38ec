package dev.contain.runtime.stage;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One thing a stage made on the host, written to the container's journal before it is made, so it can be
 * undone after a normal exit, a failure, Ctrl-C, or (by {@code contain gc}) after the engine itself died.
 * Every undo is idempotent: undoing what was never made, or is already gone, does nothing.
 */
public sealed interface Undo {
    void undo(Kernel kernel) throws IOException;

    /** One journal line: a kind word and its fields, separated by tabs. */
    String encode();

    /** A folder and everything under it (state folders, overlay upper and work). */
    record Tree(Path dir) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            kernel.deleteTree(dir);
        }

        @Override
        public String encode() {
            return "tree\t" + dir;
        }
    }

    /** A process we started, known by pid and start time so a reused pid is never killed. */
    record Process(long pid, long startTime) implements Undo {
        @Override
        public void undo(Kernel kernel) {
            kernel.killIfSame(pid, startTime);
        }

        @Override
        public String encode() {
            return "process\t" + pid + "\t" + startTime;
        }
    }

    static Undo decode(String line) {
        String[] f = line.split("\t");
        return switch (f[0]) {
            case "tree" -> new Tree(Path.of(f[1]));
            case "process" -> new Process(Long.parseLong(f[1]), Long.parseLong(f[2]));
            default -> throw new IllegalArgumentException("unknown journal entry '" + f[0] + "'");
        };
    }
}
