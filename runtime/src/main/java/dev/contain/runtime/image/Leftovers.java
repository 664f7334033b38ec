package dev.contain.runtime.image;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.StoreLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What killed writers of the data root leave: unpacks ({@code layers/.tmp-*}, {@code images/.unpack-*}),
 * removals ({@code images/.removing-*}, {@code layers/.tmp-removing-*}), records and links half written
 * ({@code images/.record-*.tmp}, {@code l/.tmp-*}), extractions ({@code bin/.extract-*.tmp}) and downloads
 * ({@code downloads/}). Every writer holds the {@link StoreLock} shared while its temporaries exist, so
 * under the exclusive lock each one found is a dead writer's. Partial downloads are kept for the next pull
 * to resume, except by {@code contain gc} and {@code image prune}.
 */
public final class Leftovers {
    private Leftovers() {}

    /** The store lock held shared for one writer; tidies up before and after, if no one else is at work then. */
    public static Work writer(Kernel kernel, Path dataRoot) throws IOException {
        tidy(kernel, dataRoot);
        return new Work(kernel, dataRoot, StoreLock.shared(dataRoot));
    }

    /** A writer's hold of the store lock: released, then the store tidied, on close. */
    public record Work(Kernel kernel, Path dataRoot, StoreLock lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            lock.close();
            tidy(kernel, dataRoot);
        }
    }

    /** Removes the leftovers but partial downloads, if no writer is at work (else does nothing). */
    public static void tidy(Kernel kernel, Path dataRoot) throws IOException {
        Optional<StoreLock> alone = StoreLock.tryExclusive(dataRoot);
        if (alone.isPresent()) {
            try (StoreLock ignored = alone.get()) {
                remove(kernel, dataRoot, false);
            }
        }
    }

    /**
     * With the store lock held exclusive: removes every leftover ({@code downloads} too: partial downloads),
     * and returns what it removed.
     */
    static List<Path> remove(Kernel kernel, Path dataRoot, boolean downloads) throws IOException {
        List<Path> removed = new ArrayList<>();
        sweep(kernel, dataRoot.resolve("layers"), n -> n.startsWith(".tmp-"), removed);
        sweep(kernel, dataRoot.resolve("l"), n -> n.startsWith(".tmp-"), removed);
        sweep(kernel, dataRoot.resolve("images"), n -> n.startsWith(".unpack-") || n.startsWith(".removing-")
                || (n.startsWith(".record-") && n.endsWith(".tmp")), removed);
        java.util.function.Predicate<String> extract = n -> n.startsWith(".extract-") && n.endsWith(".tmp");
        sweep(kernel, dataRoot.resolve("bin"), extract, removed);
        if (Files.isDirectory(dataRoot.resolve("bin"))) {
            try (Stream<Path> s = Files.list(dataRoot.resolve("bin"))) { // JNA's library has a folder of its own
                for (Path d : s.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)).toList()) {
                    sweep(kernel, d, extract, removed);
                }
            }
        }
        if (downloads) {
            sweep(kernel, dataRoot.resolve("downloads"), n -> true, removed);
        }
        return removed;
    }

    /** {@code contain gc}: every leftover, partial downloads too, unless a writer is at work; empty then. */
    public static Optional<List<Path>> collect(Kernel kernel, Path dataRoot) throws IOException {
        if (!Files.isDirectory(dataRoot.resolve("images"))) {
            return Optional.of(List.of());
        }
        Optional<StoreLock> alone = StoreLock.tryExclusive(dataRoot);
        if (alone.isEmpty()) {
            return Optional.empty();
        }
        try (StoreLock ignored = alone.get()) {
            return Optional.of(remove(kernel, dataRoot, true));
        }
    }

    private static void sweep(Kernel kernel, Path dir, java.util.function.Predicate<String> leftover, List<Path> removed) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (leftover.test(p.getFileName().toString())) {
                    kernel.deleteTree(p);
                    removed.add(p);
                }
            }
        }
    }
}
