package dev.contain.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where the root filesystem comes from: a stored image, a folder, or an archive unpacked into the store. */
public sealed interface ImageRef {
    /** A name in the store: a plain name ({@code busybox}) or a reference ({@code docker.io/library/alpine:3.19}, {@code alpine@sha256:...}). */
    record Stored(String name) implements ImageRef {
        /** What `contain image import --name` gives: compiled once (String.matches compiles on every call). */
        private static final Pattern STORE_NAME = Pattern.compile("[a-z0-9][a-z0-9+._-]{0,127}");

        @Override public String toString() { return name; }

        /** The name as a reference, or null if it is only a store name (like debian-stable+python+iproute2). */
        public Reference reference() {
            return Reference.parse(name);
        }
    }

    record Directory(Path path) implements ImageRef {
        @Override public String toString() { return path.toString(); }
    }

    record Archive(Path path) implements ImageRef {
        @Override public String toString() { return path.toString(); }
    }

    /**
     * An image reference as docker and podman write it: {@code [DOMAIN[:PORT]/]PATH[:TAG][@sha256:HEX]}. The
     * domain is the first component when it has a '.' or a ':', or is localhost. Tag null: none given.
     */
    record Reference(String domain, String path, String tag, String digest) {
        private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
        private static final Pattern REFERENCE = Pattern.compile(
                "(?:((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)/)?"
                        + "(" + COMPONENT + "(?:/" + COMPONENT + ")*)"
                        + "(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
                        + "(?:@(sha256:[0-9a-f]{64}))?");
        private static final Pattern PATH = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");

        public static Reference parse(String text) {
            if (text.length() > 255 + 128 + 72) {
                return null;
            }
            Matcher m = REFERENCE.matcher(text);
            if (!m.matches()) {
                return null;
            }
            String domain = m.group(1);
            String path = m.group(2);
            if (domain != null && !domain.contains(".") && !domain.contains(":") && !domain.equals("localhost")) {
                path = domain + "/" + path; // "library/alpine": a path, not a registry
                domain = null;
                if (!PATH.matcher(path).matches()) {
                    return null;
                }
            }
            return new Reference(domain, path, m.group(3), m.group(4));
        }

        /** The repository's full name without tag or digest: {@code docker.io/library/alpine}, or {@code alpine} when no domain is given. */
        public String name() {
            return domain == null ? path : domain + "/" + path;
        }

        @Override
        public String toString() {
            return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
        }
    }

    /**
     * A path when it looks like one: it starts with '.' or '/', or has a '/' and is no reference with a
     * registry, tag or digest (so {@code images/rootfs} stays a folder and {@code docker.io/library/alpine:3.19}
     * is a reference); else a name in the store.
     */
    static ImageRef of(String text, Path baseDir) {
        boolean looksLikePath = text.startsWith(".") || text.startsWith("/");
        if (!looksLikePath && text.contains("/")) {
            Reference r = Reference.parse(text);
            looksLikePath = r == null || (r.domain() == null && r.tag() == null && r.digest() == null);
        }
        if (!looksLikePath) {
            return new Stored(text);
        }
        Path path = baseDir.resolve(text).normalize();
        return isArchiveName(text) ? new Archive(path) : new Directory(path);
    }

    /** A store name of the kind `contain image import --name` gives (no reference): lowercase, '+' allowed. */
    static boolean isStoreName(String text) {
        return Stored.STORE_NAME.matcher(text).matches();
    }

    /** The archive formats an image may come in, longest first. */
    List<String> ARCHIVE_EXTENSIONS = List.of(".tar.gz", ".tar.xz", ".tgz", ".tar");

    static boolean isArchiveName(String text) {
        for (String ext : ARCHIVE_EXTENSIONS) { // a loop: a stream pipeline, run once and cold, showed in run -d's profile
            if (text.endsWith(ext)) {
                return true;
            }
        }
        return false;
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
