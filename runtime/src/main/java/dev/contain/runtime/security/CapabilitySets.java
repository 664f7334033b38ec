package dev.contain.runtime.security;

import dev.contain.spec.Capability;
import dev.contain.spec.Security;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The five capability sets of the container's process, as 64-bit masks (bit n = capability n). Inheritable
 * and ambient are always empty (CVE-2022-24769: a non-empty inheritable set lets file capabilities of an
 * image's binaries grant more than the container has).
 */
public record CapabilitySets(long bounding, long effective, long permitted, long inheritable, long ambient) {
    /** docker's default set (moby's oci/caps defaults): 0x00000000a80425fb. */
    public static final Set<Capability> DOCKER_DEFAULT = EnumSet.of(Capability.CHOWN, Capability.DAC_OVERRIDE,
            Capability.FSETID, Capability.FOWNER, Capability.MKNOD, Capability.NET_RAW, Capability.SETGID,
            Capability.SETUID, Capability.SETFCAP, Capability.SETPCAP, Capability.NET_BIND_SERVICE,
            Capability.SYS_CHROOT, Capability.KILL, Capability.AUDIT_WRITE);

    /** A capability the spec asks for that this kernel does not have. */
    public static final class UnknownToKernel extends Exception {
        UnknownToKernel(String message) {
            super(message);
        }
    }

    /**
     * docker's arithmetic on its default set: with drop ALL the set is {@code add}; with add ALL, every
     * capability this kernel has but {@code drop}; else the default set less {@code drop}, plus {@code add}.
     * The bounding set keeps it for any user; a process whose uid is not 0 gets nothing effective or permitted
     * (as docker does: a non-root command gains capabilities only through files, which no_new_privs and the
     * bounding set limit).
     *
     * @param lastCap the kernel's highest capability (/proc/sys/kernel/cap_last_cap)
     */
    public static CapabilitySets of(Security.Capabilities changes, boolean root, int lastCap) throws UnknownToKernel {
        Set<Capability> set;
        if (changes.addAll()) {
            set = EnumSet.allOf(Capability.class);
            set.removeIf(c -> c.bit() > lastCap);
            set.removeAll(changes.drop());
        } else if (changes.dropAll()) {
            set = EnumSet.noneOf(Capability.class);
            set.addAll(changes.add());
        } else {
            set = EnumSet.copyOf(DOCKER_DEFAULT);
            set.removeAll(changes.drop());
            set.addAll(changes.add());
        }
        for (Capability c : set) {
            if (c.bit() > lastCap) {
                throw new UnknownToKernel("capability " + c.name() + " is not known to this kernel (its last is "
                        + (lastCap < Capability.values().length ? Capability.values()[lastCap].name() : lastCap) + ")");
            }
        }
        long mask = mask(set);
        return new CapabilitySets(mask, root ? mask : 0, root ? mask : 0, 0, 0);
    }

    public static long mask(Set<Capability> caps) {
        long mask = 0;
        for (Capability c : caps) {
            mask |= 1L << c.bit();
        }
        return mask;
    }

    /** The bit of a capability named as the kernel's headers and OCI name it (CAP_CHOWN: 0), or -1. */
    public static int bit(String capName) {
        for (Capability c : Capability.values()) { // a loop: no lambda on the run path
            if (capName.equals("CAP_" + c.name())) {
                return c.bit();
            }
        }
        return -1;
    }

    /** Names without CAP_, in bit order: CHOWN DAC_OVERRIDE ... */
    public static List<String> names(long mask) {
        List<String> names = new ArrayList<>();
        for (Capability c : Capability.values()) {
            if ((mask & (1L << c.bit())) != 0) {
                names.add(c.name());
            }
        }
        return names;
    }

    /** As /proc/PID/status prints a set: 16 hex digits. (Not String.format: its parser costs ~7 ms in a cold JVM.) */
    public static String hex(long mask) {
        String digits = Long.toHexString(mask);
        return "0000000000000000".substring(digits.length()) + digits;
    }
}
