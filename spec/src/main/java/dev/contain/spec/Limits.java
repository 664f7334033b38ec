package dev.contain.spec;

/**
 * What the validator reads and accepts at most. A spec is untrusted input (CI validates pull requests), so
 * every step is bounded before it is taken: a 1 MiB file of any content parses in well under a second
 * and a few tens of MB of heap. The kernel's own limits are checked here too, so that a spec that passes
 * validation never makes a run build what the kernel refuses.
 */
public final class Limits {
    /** The largest spec file read; larger files, and anything but a regular file, are refused unread. */
    public static final int FILE_BYTES = 1 << 20;
    /** Lists and mappings nested deeper than this are refused (a spec needs about 5). */
    public static final int DEPTH = 64;
    /** Values (scalars, lists, mappings) in one spec, aliases counted as often as they are used. */
    public static final int NODES = 20_000;
    /** Characters of all scalars in one spec, aliases counted as often as they are used. */
    public static final int EXPANDED_CHARS = 4 << 20;
    /** Aliases of lists and mappings in one spec (snakeyaml's default, reported with a position here). */
    public static final int COLLECTION_ALIASES = 50;
    /** Problems reported per spec; the rest are counted. */
    public static final int PROBLEMS = 1000;
    /** MAX_ARG_STRLEN: the kernel's limit on one argument or NAME=value, in bytes with the closing NUL. */
    public static final int ARG_BYTES = 128 << 10;
    /**
     * ARG_MAX with the default 8 MiB stack (a quarter of it): command, args and env together, in bytes
     * with each string's NUL and pointer (what execve counts).
     */
    public static final int ARG_MAX = 2 << 20;
    /** PATH_MAX: the longest path the kernel takes, in bytes with the closing NUL. */
    public static final int PATH_BYTES = 4096;
    /** UID_GID_MAP_MAX_EXTENTS: the kernel takes at most this many lines in a uid_map or gid_map. */
    public static final int ID_MAPPINGS = 340;
    /** Characters of a value echoed in a message; longer ones are cut. */
    public static final int SHOWN = 60;
    /** Characters of a number or quantity's text: no valid one is longer, and none is parsed if longer. */
    public static final int NUMBER_CHARS = 40;

    private Limits() {}

    /** The length of {@code s} in UTF-8, as the kernel counts it (a string with a lone surrogate is refused before). */
    static long utf8Bytes(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }
}
