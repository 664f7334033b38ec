package dev.contain.spec;

import java.util.Locale;
import java.util.Optional;

/**
 * Linux capabilities by their names without {@code CAP_}, in kernel bit order (the ordinal is the bit,
 * include/uapi/linux/capability.h, Linux 5.9+: 0 to 40).
 */
public enum Capability {
    CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, LINUX_IMMUTABLE,
    NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER, SYS_MODULE, SYS_RAWIO, SYS_CHROOT,
    SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE, SYS_RESOURCE, SYS_TIME, SYS_TTY_CONFIG, MKNOD, LEASE,
    AUDIT_WRITE, AUDIT_CONTROL, SETFCAP, MAC_OVERRIDE, MAC_ADMIN, SYSLOG, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ,
    PERFMON, BPF, CHECKPOINT_RESTORE;

    /** The kernel's bit number. */
    public int bit() {
        return ordinal();
    }

    /** The name with its prefix, as /proc, capsh and seccomp profiles write it: CAP_SYS_ADMIN. */
    public String capName() {
        return "CAP_" + name();
    }

    /** SYS_ADMIN, sys_admin, CAP_SYS_ADMIN or cap_sys_admin. */
    public static Optional<Capability> parse(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        String bare = upper.startsWith("CAP_") ? upper.substring(4) : upper;
        for (Capability c : values()) {
            if (c.name().equals(bare)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
