package dev.contain.spec;

/**
 * The user the command runs as: numeric ids, or names looked up in the image's /etc/passwd and /etc/group
 * when the container starts. A null gid (and null group) means the user's primary group.
 */
public record UserRef(Long uid, Long gid, String userName, String groupName) {
    public static final UserRef ROOT = new UserRef(0L, 0L, null, null);

    @Override
    public String toString() {
        String u = userName != null ? userName : String.valueOf(uid);
        String g = groupName != null ? groupName : gid != null ? String.valueOf(gid) : null;
        return g == null ? u : u + ":" + g;
    }
}
