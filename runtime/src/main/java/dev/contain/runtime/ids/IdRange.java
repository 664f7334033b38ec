package dev.contain.runtime.ids;

/**
 * A container's own block of host ids: container uid k is host uid {@code uid + k}, container gid k is
 * host gid {@code gid + k}, for k below {@code size}. No other container and no host user has any of them.
 */
public record IdRange(long uid, long gid, long size) {
    /** The size of every range: what a container's ids 0-65535 need (nobody is 65534). */
    public static final long SIZE = 65536;

    public boolean overlaps(IdRange o) {
        return uid < o.uid + o.size && o.uid < uid + size || gid < o.gid + o.size && o.gid < gid + size;
    }

    /** "host ids 100000-165535", or uids and gids apart when they differ. */
    public String describe() {
        return uid == gid ? "host ids " + uid + "-" + (uid + size - 1)
                : "host uids " + uid + "-" + (uid + size - 1) + ", gids " + gid + "-" + (gid + size - 1);
    }
}
