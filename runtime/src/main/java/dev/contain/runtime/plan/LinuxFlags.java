package dev.contain.runtime.plan;

import dev.contain.spec.Namespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Flag values from <linux/sched.h> and <sys/mount.h>, and their names for --dry-run. */
public final class LinuxFlags {
    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32,
            MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18, MS_STRICTATIME = 1 << 24;
    private static final long[] MS_VALUES = {MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE, MS_STRICTATIME};
    private static final String[] MS_NAMES = {"ro", "nosuid", "nodev", "noexec", "remount", "bind", "rec", "private", "strictatime"};

    private LinuxFlags() {}

    public static long cloneFlag(Namespace ns) {
        return switch (ns) {
            case MNT -> 0x00020000L;
            case CGROUP -> 0x02000000L;
            case UTS -> 0x04000000L;
            case IPC -> 0x08000000L;
            case USER -> 0x10000000L;
            case PID -> 0x20000000L;
            case NET -> 0x40000000L;
            case TIME -> 0x00000080L;
        };
    }

    public static long cloneFlags(Set<Namespace> namespaces) {
        long flags = 0;
        for (Namespace ns : namespaces) {
            flags |= cloneFlag(ns);
        }
        return flags;
    }

    public static String mountFlagNames(long flags) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < MS_VALUES.length; i++) {
            if ((flags & MS_VALUES[i]) != 0) {
                names.add(MS_NAMES[i]);
            }
        }
        return names.isEmpty() ? "-" : String.join(",", names);
    }
}
