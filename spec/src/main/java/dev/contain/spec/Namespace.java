package dev.contain.spec;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Linux namespaces a container can have, by the names users know from /proc/PID/ns. */
public enum Namespace {
    USER, UTS, PID, NET, MNT, IPC, CGROUP, TIME;

    public static final Set<Namespace> DEFAULT = EnumSet.complementOf(EnumSet.of(TIME));

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
