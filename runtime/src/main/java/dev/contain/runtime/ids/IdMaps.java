package dev.contain.runtime.ids;

import java.util.List;

/** A run's uid and gid maps, resolved: what the engine writes to /proc/PID/uid_map and gid_map. */
public record IdMaps(List<IdMap> uid, List<IdMap> gid) {
    public static final IdMaps NONE = new IdMaps(List.of(), List.of());

    public IdMaps {
        uid = List.copyOf(uid);
        gid = List.copyOf(gid);
    }

    /** The host uid a container uid is, or -1 when it is not mapped. */
    public long hostUid(long containerUid) {
        return host(uid, containerUid);
    }

    public long hostGid(long containerGid) {
        return host(gid, containerGid);
    }

    /** Every mapped id is the same on the host: image files need no remapping. */
    public boolean identity() {
        return identity(uid) && identity(gid);
    }

    // loops, not streams: a lambda's first linkage costs a cold run (the same below)
    private static boolean identity(List<IdMap> maps) {
        for (IdMap m : maps) {
            if (m.container() != m.host()) {
                return false;
            }
        }
        return true;
    }

    /** A host uid as the container sees it, or -1 (shown as nobody inside). */
    public long containerUid(long hostUid) {
        for (IdMap m : uid) {
            if (hostUid >= m.host() && hostUid < m.host() + m.size()) {
                return m.container() + hostUid - m.host();
            }
        }
        return -1;
    }

    /**
     * A folder name for what depends on these maps (the chowned copies): the first host id for the usual
     * range (container 0-65535 at one host id for both), else a digest of the maps.
     */
    public String key() {
        if (uid.size() == 1 && uid.equals(gid) && uid.get(0).container() == 0 && uid.get(0).size() == IdRange.SIZE) {
            return Long.toString(uid.get(0).host());
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((uid + "/" + gid).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "maps-" + java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static long host(List<IdMap> maps, long id) {
        for (IdMap m : maps) {
            if (id >= m.container() && id < m.container() + m.size()) {
                return m.host() + id - m.container();
            }
        }
        return -1;
    }
}
