package dev.contain.runtime.plan;

import java.util.ArrayList;
import java.util.List;

/** Flag values from <linux/sched.h> and <sys/mount.h>, and their names for --dry-run. */
public final class LinuxFlags {
    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
            MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOATIME = 1024, MS_NODIRATIME = 2048,
            MS_BIND = 4096, MS_REC = 16384, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19,
            MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24;
    private static final long[] MS_VALUES = {MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SYNCHRONOUS, MS_REMOUNT, MS_MANDLOCK,
            MS_DIRSYNC, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_RELATIME,
            MS_STRICTATIME};
    private static final String[] MS_NAMES = {"ro", "nosuid", "nodev", "noexec", "sync", "remount", "mand", "dirsync", "noatime",
            "nodiratime", "bind", "rec", "unbindable", "private", "slave", "shared", "relatime", "strictatime"};

    /** clone(2) namespace flags. */
    public static final long CLONE_NEWTIME = 0x80L, CLONE_NEWNS = 0x00020000L, CLONE_NEWCGROUP = 0x02000000L,
            CLONE_NEWUTS = 0x04000000L, CLONE_NEWIPC = 0x08000000L, CLONE_NEWUSER = 0x10000000L, CLONE_NEWPID = 0x20000000L,
            CLONE_NEWNET = 0x40000000L;
    private static final long[] NS_VALUES = {CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID,
            CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS};
    private static final String[] NS_NAMES = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

    private LinuxFlags() {}

    /** "cgroup ipc mnt ..." (sorted), or "none". */
    public static String namespaceNames(long flags) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < NS_VALUES.length; i++) {
            if ((flags & NS_VALUES[i]) != 0) {
                names.add(NS_NAMES[i]);
            }
        }
        return names.isEmpty() ? "none" : String.join(" ", names);
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
