package dev.contain.runtime.ids;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    /** The engine's choice (--id-pool): {@code auto}, {@code subuid}, {@code subuid:NAME} or {@code builtin}. */
    public static IdPool choose(String choice, Path etc) throws IOException {
        String c = choice == null ? "auto" : choice;
        if (c.equals("builtin")) {
            return builtin(etc, SUBUID_NAME);
        }
        if (c.equals("auto") || c.equals("subuid") || c.startsWith("subuid:")) {
            String name = c.startsWith("subuid:") ? c.substring("subuid:".length()) : SUBUID_NAME;
            long[] uids = entry(etc.resolve("subuid"), name);
            long[] gids = entry(etc.resolve("subgid"), name);
            if (uids != null && gids != null) {
                long slots = Math.min(uids[1], gids[1]) / IdRange.SIZE;
                String src = "subuid " + name + " " + uids[0] + "+" + uids[1] + (uids[0] == gids[0] ? "" : ", subgid " + gids[0] + "+" + gids[1]);
                return withOthers(src, uids[0], gids[0], slots, etc, name);
            }
            if (!c.equals("auto")) {
                throw new IOException("no '" + name + "' entry in both " + etc.resolve("subuid") + " and " + etc.resolve("subgid")
                        + " (add one, like '" + name + ":" + BUILTIN_START + ":" + IdRange.SIZE * 64 + "', or use --id-pool builtin)");
            }
            return builtin(etc, name);
        }
        throw new IOException("--id-pool '" + choice + "': use auto, subuid, subuid:NAME or builtin");
    }

    private static IdPool builtin(Path etc, String ours) throws IOException {
        return withOthers("built-in " + BUILTIN_START + "+" + BUILTIN_SLOTS * IdRange.SIZE, BUILTIN_START, BUILTIN_START,
                BUILTIN_SLOTS, etc, ours);
    }

    private static IdPool withOthers(String source, long uid, long gid, long slots, Path etc, String ours) throws IOException {
        List<Ids> uids = new ArrayList<>();
        List<Ids> gids = new ArrayList<>();
        ids(etc.resolve("passwd"), uids);
        ids(etc.resolve("group"), gids);
        subordinate(etc.resolve("subuid"), ours, uids);
        subordinate(etc.resolve("subgid"), ours, gids);
        return new IdPool(source, uid, gid, slots, List.copyOf(uids), List.copyOf(gids));
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

    /** "name:start:count" of one name (or its uid, as shadow-utils allows), or null. */
    private static long[] entry(Path file, String name) throws IOException {
        for (String[] f : rows(file)) {
            if (f.length >= 3 && f[0].equals(name)) {
                try {
                    return new long[] {Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim())};
                } catch (NumberFormatException e) {
                    throw new IOException(file + ": the entry of '" + name + "' is not name:start:count");
                }
            }
        }
        return null;
    }

    /** Every other name's subordinate ids, as [start, start+count). */
    private static void subordinate(Path file, String ours, List<Ids> out) throws IOException {
        for (String[] f : rows(file)) {
            if (f.length >= 3 && !f[0].equals(ours)) {
                try {
                    long start = Long.parseLong(f[1].trim());
                    out.add(new Ids(start, start + Long.parseLong(f[2].trim())));
                } catch (NumberFormatException ignored) {
                    // a malformed line gives nobody anything
                }
            }
        }
    }

    /** The third field of /etc/passwd or /etc/group lines: each user's uid, each group's gid. */
    private static void ids(Path file, List<Ids> out) throws IOException {
        for (String[] f : rows(file)) {
            if (f.length >= 3) {
                try {
                    long id = Long.parseLong(f[2].trim());
                    out.add(new Ids(id, id + 1));
                } catch (NumberFormatException ignored) {
                    // a NIS "+" line or a comment: no id
                }
            }
        }
    }

    private static List<String[]> rows(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    rows.add(line.split(":", -1));
                }
            }
        } catch (NoSuchFileException e) {
            return rows;
        }
        return rows;
    }
}
