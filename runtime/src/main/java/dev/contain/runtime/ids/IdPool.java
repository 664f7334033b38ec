package dev.contain.runtime.ids;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where containers' id ranges come from: the {@code containers} entry of /etc/subuid and /etc/subgid (as
 * podman's --userns=auto), or, where there is none, a built-in pool of {@value #BUILTIN_SLOTS} ranges of
 * 65536 ids from {@value #BUILTIN_START} (where useradd starts its subordinate ids). A range that holds
 * an id /etc/passwd or /etc/group gives a user or group, or that /etc/subuid or /etc/subgid gives to
 * another name, is never handed out: such a range is {@link #refused}.
 *
 * @param source    for messages and --dry-run: "subuid containers 165536+655360", "built-in 100000+67108864"
 * @param uidStart  the pool's first host uid
 * @param gidStart  the pool's first host gid
 * @param slots     how many ranges of {@link IdRange#SIZE} it holds
 * @param othersUid host uids that belong to someone else
 * @param othersGid host gids that belong to someone else
 */
public record IdPool(String source, long uidStart, long gidStart, long slots, List<Ids> othersUid, List<Ids> othersGid) {
    public static final long BUILTIN_START = 100_000;
    public static final long BUILTIN_SLOTS = 1024;
    /** The /etc/subuid name whose entry is the pool, unless the engine is told another. */
    public static final String SUBUID_NAME = "containers";

    /** Host ids [from, to). */
    public record Ids(long from, long to) {}

    /**
     * The engine's choice (--id-pool): {@code auto}, {@code subuid}, {@code subuid:NAME} or {@code builtin}.
     * Reads /etc/subuid, /etc/subgid, /etc/passwd and /etc/group once each (a run pays this: kept lean).
     */
    public static IdPool choose(String choice, Path etc) throws IOException {
        String c = choice == null ? "auto" : choice;
        boolean subuid = c.equals("subuid") || c.startsWith("subuid:");
        if (!c.equals("auto") && !c.equals("builtin") && !subuid) {
            throw new IOException("--id-pool '" + choice + "': use auto, subuid, subuid:NAME or builtin");
        }
        String name = c.startsWith("subuid:") ? c.substring("subuid:".length()) : SUBUID_NAME;
        List<Ids> uids = new ArrayList<>();
        List<Ids> gids = new ArrayList<>();
        Ids ourUids = subordinate(etc.resolve("subuid"), name, uids);
        Ids ourGids = subordinate(etc.resolve("subgid"), name, gids);
        ids(etc.resolve("passwd"), uids);
        ids(etc.resolve("group"), gids);
        if (!c.equals("builtin") && ourUids != null && ourGids != null) {
            long slots = Math.min(ourUids.to() - ourUids.from(), ourGids.to() - ourGids.from()) / IdRange.SIZE;
            String src = "subuid " + name + " " + ourUids.from() + "+" + (ourUids.to() - ourUids.from())
                    + (ourUids.from() == ourGids.from() ? "" : ", subgid " + ourGids.from() + "+" + (ourGids.to() - ourGids.from()));
            return new IdPool(src, ourUids.from(), ourGids.from(), slots, List.copyOf(uids), List.copyOf(gids));
        }
        if (subuid) {
            throw new IOException("no '" + name + "' entry in both " + etc.resolve("subuid") + " and " + etc.resolve("subgid")
                    + " (add one, like '" + name + ":" + BUILTIN_START + ":" + IdRange.SIZE * 64 + "', or use --id-pool builtin)");
        }
        return new IdPool("built-in " + BUILTIN_START + "+" + BUILTIN_SLOTS * IdRange.SIZE, BUILTIN_START, BUILTIN_START,
                BUILTIN_SLOTS, List.copyOf(uids), List.copyOf(gids));
    }

    /** The k-th range of the pool. */
    public IdRange slot(long k) {
        return new IdRange(uidStart + k * IdRange.SIZE, gidStart + k * IdRange.SIZE, IdRange.SIZE);
    }

    /** A range holding an id that belongs to a host user or group, or to another name's subordinate ids. */
    public boolean refused(IdRange r) {
        return hits(othersUid, r.uid(), r.size()) || hits(othersGid, r.gid(), r.size());
    }

    /** Where the pool is and how large: "built-in 100000+67108864", "subuid containers 165536+655360". */
    public String describe() {
        return source;
    }

    private static boolean hits(List<Ids> intervals, long start, long size) {
        for (Ids i : intervals) {
            if (i.from() < start + size && start < i.to()) {
                return true;
            }
        }
        return false;
    }

    /**
     * "name:start:count" lines: every other name's ids go to {@code others}; {@code ours} is returned (or
     * null). shadow-utils also allows a uid for the name: this engine looks for the name only.
     */
    private static Ids subordinate(Path file, String ours, List<Ids> others) throws IOException {
        Ids mine = null;
        for (String[] f : rows(file)) {
            long start = number(f, 1);
            long count = number(f, 2);
            if (start < 0 || count < 0) {
                if (f[0].equals(ours)) {
                    throw new IOException(file + ": the entry of '" + ours + "' is not name:start:count");
                }
                continue; // a malformed line gives nobody anything
            }
            if (f[0].equals(ours) && mine == null) {
                mine = new Ids(start, start + count);
            } else {
                others.add(new Ids(start, start + count));
            }
        }
        return mine;
    }

    /** The third field of /etc/passwd or /etc/group lines: each user's uid, each group's gid. */
    private static void ids(Path file, List<Ids> out) throws IOException {
        for (String[] f : rows(file)) {
            long id = number(f, 2);
            if (id >= 0) { // not a NIS "+" line
                out.add(new Ids(id, id + 1));
            }
        }
    }

    private static long number(String[] fields, int i) {
        if (i >= fields.length || fields[i].isEmpty() || fields[i].length() > 18) {
            return -1;
        }
        long n = 0;
        for (int k = 0; k < fields[i].length(); k++) {
            char ch = fields[i].charAt(k);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n;
    }

    /** The lines' first three colon-separated fields; a missing file has none. Bytes, not readAllLines: cheaper, and these are ASCII. */
    private static List<String[]> rows(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return rows;
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        for (int at = 0; at < text.length(); ) {
            int end = text.indexOf('\n', at);
            if (end < 0) end = text.length();
            if (end > at && text.charAt(at) != '#') {
                String[] f = new String[3];
                int from = at;
                for (int i = 0; i < 3; i++) {
                    int colon = text.indexOf(':', from);
                    int stop = colon < 0 || colon > end ? end : colon;
                    f[i] = from <= stop ? text.substring(from, stop).trim() : "";
                    from = stop + 1;
                }
                rows.add(f);
            }
            at = end + 1;
        }
        return rows;
    }
}
