package dev.contain.spec;

import java.nio.file.Path;
import java.util.List;

/** Where the root filesystem comes from: a stored image, a folder, or an archive unpacked into the store. */
public sealed interface ImageRef {
    record Stored(String name) implements ImageRef {
        @Override public String toString() { return name; }
    }

    record Directory(Path path) implements ImageRef {
        @Override public String toString() { return path.toString(); }
    }

    record Archive(Path path) implements ImageRef {
        @Override public String toString() { return path.toString(); }
    }

    /** A path when it looks like one (has a slash or starts with a dot), else a name in the store. */
    static ImageRef of(String text, Path baseDir) {
        boolean looksLikePath = text.contains("/") || text.startsWith(".");
        if (!looksLikePath) {
            return new Stored(text);
        }
        Path path = baseDir.resolve(text).normalize();
        return isArchiveName(text) ? new Archive(path) : new Directory(path);
    }

    /** The archive formats an image may come in, longest first. */
    List<String> ARCHIVE_EXTENSIONS = List.of(".tar.gz", ".tar.xz", ".tgz", ".tar");

    static boolean isArchiveName(String text) {
        return ARCHIVE_EXTENSIONS.stream().anyMatch(text::endsWith);
    }

    /** An archive's file name without its archive extension: the default image name on import. */
    static String baseName(String fileName) {
        for (String ext : ARCHIVE_EXTENSIONS) {
            if (fileName.endsWith(ext)) {
                return fileName.substring(0, fileName.length() - ext.length());
            }
        }
        return fileName;
    }
}
