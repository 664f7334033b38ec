package dev.contain.runtime.cgroup;

import java.util.List;

/**
 * One device the container may use, as the device cgroup takes it: type ('c' char, 'b' block, 'a' both),
 * major and minor (-1: any), and access ("r", "w", "m" for mknod). Everything not allowed is denied.
 */
public record DeviceRule(char type, long major, long minor, String access) {
    /**
     * The nodes a container's /dev has, and nothing else: null, zero, full, random, urandom (1:3, 1:5, 1:7,
     * 1:8, 1:9), tty (5:0), ptmx (5:2), the pseudo-terminals of its devpts (136:*). mknod of any node is
     * allowed, as docker allows it (a node made so cannot be opened unless listed here); a user namespace
     * cannot mknod anyway.
     */
    public static final List<DeviceRule> DEFAULT = List.of(
            new DeviceRule('c', -1, -1, "m"), new DeviceRule('b', -1, -1, "m"),
            new DeviceRule('c', 1, 3, "rwm"), new DeviceRule('c', 1, 5, "rwm"), new DeviceRule('c', 1, 7, "rwm"),
            new DeviceRule('c', 1, 8, "rwm"), new DeviceRule('c', 1, 9, "rwm"), new DeviceRule('c', 5, 0, "rwm"),
            new DeviceRule('c', 5, 2, "rwm"), new DeviceRule('c', 136, -1, "rwm"));

    /** The line for a v1 devices.allow file: "c 1:3 rwm", "c 136:* rwm". */
    public String v1() {
        return type + " " + (major < 0 ? "*" : Long.toString(major)) + ":" + (minor < 0 ? "*" : Long.toString(minor)) + " " + access;
    }
}
