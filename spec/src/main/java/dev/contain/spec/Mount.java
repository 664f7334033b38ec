package dev.contain.spec;

import java.nio.file.Path;

/** A filesystem mounted into the container at an absolute {@code target}. */
public sealed interface Mount {
    String target();

    boolean readOnly();

    record Bind(Path source, String target, boolean readOnly) implements Mount {}

    /** sizeBytes null: the kernel's default (half of RAM). */
    record Tmpfs(String target, Long sizeBytes, boolean readOnly) implements Mount {}
}
