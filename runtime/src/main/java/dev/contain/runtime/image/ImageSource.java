package dev.contain.runtime.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/** The files of an image archive or layout, by their relative paths: a folder, or a tar read in place. */
sealed interface ImageSource extends Closeable {
    boolean exists(String path);

    InputStream open(String path) throws IOException;

    default byte[] read(String path, int limit) throws IOException {
        try (InputStream in = open(path)) {
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit) {
                throw new IOException(path + " is larger than " + limit + " bytes: not an image's metadata");
            }
            return b;
        }
    }

    /** A tar (uncompressed, as every image archive format is): its headers are read once, its files in place. */
    static ImageSource of(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return new Folder(path);
        }
        return new Tar(path);
    }

    record Folder(Path root) implements ImageSource {
        @Override
        public boolean exists(String path) {
            return Files.isRegularFile(resolve(path), LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public InputStream open(String path) throws IOException {
            return Files.newInputStream(resolve(path), LinkOption.NOFOLLOW_LINKS);
        }

        private Path resolve(String path) {
            Path p = root.resolve(path).normalize();
            if (!p.startsWith(root) || path.startsWith("/")) {
                throw new IllegalArgumentException(path + " is outside the image layout");
            }
            return p;
        }

        @Override
        public void close() {}
    }

    final class Tar implements ImageSource {
        private final TarFile tar;
        private final Map<String, TarArchiveEntry> entries = new HashMap<>();

        Tar(Path file) throws IOException {
            tar = new TarFile(file);
            for (TarArchiveEntry e : tar.getEntries()) {
                if (e.isFile()) {
                    entries.put(normalize(e.getName()), e);
                }
            }
        }

        private static String normalize(String name) {
            while (name.startsWith("./")) {
                name = name.substring(2);
            }
            return name;
        }

        @Override
        public boolean exists(String path) {
            return entries.containsKey(normalize(path));
        }

        @Override
        public InputStream open(String path) throws IOException {
            TarArchiveEntry e = entries.get(normalize(path));
            if (e == null) {
                throw new IOException("the archive has no " + path);
            }
            return tar.getInputStream(e);
        }

        @Override
        public void close() throws IOException {
            tar.close();
        }
    }
}
