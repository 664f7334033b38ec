package dev.contain.runtime.stage;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The container's write-ahead undo log: every object is recorded before it is created, then undone in
 * reverse order. Kept in the container's state folder, so {@code contain gc} can finish the job of an
 * engine that was killed.
 */
public final class Journal {
    public static final String FILE = "journal";

    private final Path file;
    private final List<Undo> entries = new ArrayList<>();

    private Journal(Path file, List<Undo> entries) {
        this.file = file;
        this.entries.addAll(entries);
    }

    /** A journal for a container whose state folder does not exist yet: the folder is its first entry. */
    public static Journal create(Path stateDir) {
        return new Journal(stateDir.resolve(FILE), List.of());
    }

    public static Journal load(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        List<Undo> entries = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    entries.add(Undo.decode(line));
                }
            }
        }
        return new Journal(file, entries);
    }

    /** Records an undo before the object exists. The state folder's own entry is kept in memory until it exists. */
    public synchronized void record(Undo undo) throws IOException {
        entries.add(undo);
        if (Files.isDirectory(file.getParent())) {
            StringBuilder all = new StringBuilder();
            for (Undo u : entries) {
                all.append(u.encode()).append('\n');
            }
            Files.writeString(file, all, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public synchronized List<Undo> entries() {
        return List.copyOf(entries);
    }

    /**
     * Undoes everything, newest first; returns what could not be undone, each with its cause. If anything
     * failed, the state folder stays with a journal of just the failures, so {@code contain gc} retries them.
     */
    public synchronized List<String> undoAll(Kernel kernel) {
        List<String> failures = new ArrayList<>();
        List<Undo> failed = new ArrayList<>();
        Undo stateDir = new Undo.Tree(file.getParent());
        for (int i = entries.size() - 1; i >= 0; i--) {
            Undo u = entries.get(i);
            if (u.equals(stateDir) && !failed.isEmpty()) {
                continue;
            }
            try {
                u.undo(kernel);
            } catch (IOException | RuntimeException e) {
                failed.add(0, u);
                failures.add(u.encode().replace('\t', ' ') + ": " + e.getMessage());
            }
        }
        if (!failed.isEmpty()) { // a second pass: what a dying container still held may be free a moment later
            pause();
            failures.clear();
            List<Undo> still = new ArrayList<>();
            for (int i = failed.size() - 1; i >= 0; i--) {
                try {
                    failed.get(i).undo(kernel);
                } catch (IOException | RuntimeException e) {
                    still.add(0, failed.get(i));
                    failures.add(failed.get(i).encode().replace('\t', ' ') + ": " + e.getMessage());
                }
            }
            failed = still;
            if (failed.isEmpty()) {
                try {
                    stateDir.undo(kernel);
                } catch (IOException e) {
                    failures.add(stateDir.encode().replace('\t', ' ') + ": " + e.getMessage());
                }
            }
        }
        entries.clear();
        if (!failed.isEmpty()) {
            try {
                record(stateDir);
                for (Undo u : failed) {
                    record(u);
                }
            } catch (IOException e) {
                failures.add("rewrite " + file + ": " + e.getMessage());
            }
        }
        return failures;
    }
}
