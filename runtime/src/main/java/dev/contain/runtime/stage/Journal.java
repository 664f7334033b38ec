package dev.contain.runtime.stage;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.TestHooks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container's write-ahead undo log: every object is recorded before it is created, then undone in
 * reverse order. Kept in the container's state folder, so {@code contain gc} can finish the job of an
 * engine that was killed.
 */
public final class Journal {
    public static final String FILE = "journal";

    private final Path file;
    private final List<Undo> entries = new ArrayList<>();
    // Open while the state folder exists; each record appends only its own lines (one write, no reopen).
    private FileChannel out;
    private int written;

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
        record(List.of(undo));
    }

    /** Records several undos with one write, before any of their objects exists; undone newest first. */
    public synchronized void record(List<? extends Undo> undos) throws IOException {
        entries.addAll(undos);
        if (out == null) {
            if (!Files.isDirectory(file.getParent())) {
                return;
            }
            out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            written = 0;
        }
        StringBuilder lines = new StringBuilder();
        for (Undo u : entries.subList(written, entries.size())) {
            lines.append(u.encode()).append('\n');
        }
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(lines.toString());
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
        written = entries.size();
    }

    /** Closes the file; the next record starts it anew. */
    private void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // written already; nothing buffered here
            }
            out = null;
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
     * Undoes everything, newest first, the state folder last; returns what could not be undone, each with
     * its cause. Failures get a second pass a moment later (a dying container may still hold them); what
     * still fails stays, with the state folder, in a journal of just those, so {@code contain gc} retries.
     */
    public synchronized List<String> undoAll(Kernel kernel) {
        Undo stateDir = new Undo.Tree(file.getParent());
        // by path, not List.contains: a record's first equals() costs ~6 ms of method-handle linking
        List<Undo> others = new ArrayList<>();
        for (Undo u : entries) {
            if (!(u instanceof Undo.Tree t && t.dir().equals(file.getParent()))) {
                others.add(u);
            }
        }
        boolean ownsStateDir = others.size() < entries.size();
        Map<Undo, String> failed = undoNewestFirst(others, kernel);
        if (!failed.isEmpty()) {
            pause();
            failed = undoNewestFirst(List.copyOf(failed.keySet()), kernel);
        }
        entries.clear();
        close();
        if (ownsStateDir && failed.isEmpty()) {
            failed = releaseName(stateDir, kernel);
        } else if (ownsStateDir) {
            try {
                record(stateDir);
                for (Undo u : failed.keySet()) {
                    record(u);
                }
            } catch (IOException e) {
                failed.put(stateDir, "cannot rewrite " + file + ": " + e.getMessage());
            }
            close();
        }
        List<String> failures = new ArrayList<>();
        failed.forEach((u, why) -> failures.add(u.encode().replace('\t', ' ') + ": " + why));
        return failures;
    }

    /**
     * The state folder goes last, under the run root's lock: a run claiming the name meanwhile finds the
     * folder whole, with its live owner, or finds it gone; never an ownerless folder it would call dead.
     */
    private static Map<Undo, String> releaseName(Undo stateDir, Kernel kernel) {
        Path dir = ((Undo.Tree) stateDir).dir();
        try {
            return StateStage.names(dir.getParent()).locked(() -> undoNewestFirst(List.of(stateDir), kernel));
        } catch (IOException e) {
            return new LinkedHashMap<>(Map.of(stateDir, e.getMessage()));
        }
    }

    /** Undoes each, newest first; the ones that failed, oldest first, with their causes. */
    private static Map<Undo, String> undoNewestFirst(List<Undo> undos, Kernel kernel) {
        Map<Undo, String> failed = new LinkedHashMap<>();
        for (int i = undos.size() - 1; i >= 0; i--) {
            try {
                undos.get(i).undo(kernel);
                if (TestHooks.on()) {
                    TestHooks.point("teardown:" + undos.get(i).encode().split("\t", 2)[0]);
                }
            } catch (IOException | RuntimeException e) {
                failed.put(undos.get(i), e.getMessage());
            }
        }
        Map<Undo, String> oldestFirst = new LinkedHashMap<>();
        List<Undo> keys = new ArrayList<>(failed.keySet());
        for (int i = keys.size() - 1; i >= 0; i--) {
            oldestFirst.put(keys.get(i), failed.get(keys.get(i)));
        }
        return oldestFirst;
    }
}
