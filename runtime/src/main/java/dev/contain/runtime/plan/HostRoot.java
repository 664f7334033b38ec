package dev.contain.runtime.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host's root the plan depends on. */
public final class HostRoot {
    private HostRoot() {}

    /**
     * Whether the host's / is an initramfs (rootfs or ramfs), which pivot_root cannot move away: only then
     * may the init fall back to chroot. Read from /proc/self/mountinfo: the last mount on / is the one seen.
     */
    public static boolean isInitramfs() {
        try {
            return isInitramfs(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return false; // no fallback: a pivot_root failure then fails the run, saying why
        }
    }

    public static boolean isInitramfs(String mountinfo) {
        if (!mountinfo.contains(" - rootfs ") && !mountinfo.contains(" - ramfs ")) {
            return false; // the common case, without parsing every line
        }
        String type = null;
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length > 4 && f[4].equals("/") && dash > 0) {
                type = line.substring(dash + 3).split(" ")[0];
            }
        }
        return "rootfs".equals(type) || "ramfs".equals(type);
    }
}
