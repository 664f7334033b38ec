package dev.contain.runtime.plan;

import dev.contain.runtime.base.ContainerError;
import dev.contain.spec.UserRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Resolves user names to ids from the image's /etc/passwd and /etc/group (the topmost layer that has them). */
final class UserLookup {
    record Ids(long uid, long gid, List<Long> groups, String home) {}

    private final List<Path> layersTopFirst;
    private final boolean imageNotUnpacked;

    UserLookup(List<Path> layersTopFirst, boolean imageNotUnpacked) {
        this.layersTopFirst = layersTopFirst;
        this.imageNotUnpacked = imageNotUnpacked;
    }

    Ids resolve(String container, UserRef user) throws ContainerError {
        List<String[]> passwd = table("etc/passwd");
        String[] entry = null;
        for (String[] p : passwd) {
            if (p.length >= 6 && (user.userName() != null ? p[0].equals(user.userName()) : p[2].equals(String.valueOf(user.uid())))) {
                entry = p;
                break;
            }
        }
        if (user.userName() != null && entry == null) {
            throw new ContainerError(container, "user", imageNotUnpacked
                    ? "user names need the image unpacked first; give uid[:gid] or run once without user"
                    : "no user '" + user.userName() + "' in the image's /etc/passwd");
        }
        long uid = user.uid() != null ? user.uid() : Long.parseLong(entry[2]);
        long gid;
        if (user.groupName() != null) {
            gid = groupId(container, user.groupName());
        } else if (user.gid() != null) {
            gid = user.gid();
        } else {
            gid = entry != null ? Long.parseLong(entry[3]) : 0;
        }
        List<Long> groups = new ArrayList<>();
        String name = entry != null ? entry[0] : null;
        for (String[] g : table("etc/group")) {
            if (name != null && g.length >= 4 && List.of(g[3].split(",")).contains(name)) {
                long id = Long.parseLong(g[2]);
                if (id != gid) {
                    groups.add(id);
                }
            }
        }
        String home = entry != null && !entry[5].isEmpty() ? entry[5] : uid == 0 ? "/root" : "/";
        return new Ids(uid, gid, List.copyOf(groups), home);
    }

    private long groupId(String container, String group) throws ContainerError {
        for (String[] g : table("etc/group")) {
            if (g.length >= 3 && g[0].equals(group)) {
                return Long.parseLong(g[2]);
            }
        }
        throw new ContainerError(container, "user", "no group '" + group + "' in the image's /etc/group");
    }

    private List<String[]> table(String relative) {
        for (Path layer : layersTopFirst) {
            Path file = layer.resolve(relative);
            // never through a symlink: one in an image (or a running container, for exec: its root seen through
            // /proc/PID/root) would resolve against the host's root
            if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(file.getParent())) {
                try {
                    // readString and split: readAllLines opens a BufferedReader, which a run loads only here (~0.9 ms cold)
                    List<String[]> rows = new ArrayList<>();
                    for (String line : Files.readString(file).split("\n")) {
                        line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
                        if (!line.isBlank() && !line.startsWith("#")) {
                            rows.add(line.split(":", -1));
                        }
                    }
                    return rows;
                } catch (IOException | RuntimeException e) {
                    return List.of();
                }
            }
        }
        return List.of();
    }
}
