package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.contain.runtime.json.JsonWriter;
import java.util.List;

/** {@code spec} (a default config.json, as runc's) and {@code features} (runtime-spec's features document). */
public final class OciSpec {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OciSpec() {}

    /** runc's default: sh with a terminal off (contain has no console socket yet), docker's default capabilities trimmed as runc's. */
    public static String defaultConfig(boolean rootless) {
        ObjectNode c = NODES.objectNode();
        c.put("ociVersion", OciRuntime.OCI_VERSION);
        ObjectNode p = c.putObject("process");
        p.put("terminal", false);
        p.putObject("user").put("uid", 0).put("gid", 0);
        p.putArray("args").add("sh");
        p.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").add("TERM=xterm");
        p.put("cwd", "/");
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            caps.putArray(set).add("CAP_AUDIT_WRITE").add("CAP_KILL").add("CAP_NET_BIND_SERVICE");
        }
        p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        p.put("noNewPrivileges", true);
        c.putObject("root").put("path", "rootfs").put("readonly", true);
        c.put("hostname", "contain");
        ArrayNode mounts = c.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        if (rootless) {
            mount(mounts, "/sys", "none", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro");
        } else {
            mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        }
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        ObjectNode linux = c.putObject("linux");
        if (rootless) {
            long uid = uid("-u");
            long gid = uid("-g");
            linux.putArray("uidMappings").addObject().put("containerID", 0).put("hostID", uid).put("size", 1);
            linux.putArray("gidMappings").addObject().put("containerID", 0).put("hostID", gid).put("size", 1);
        } else {
            linux.putObject("resources").putArray("devices").addObject().put("allow", false).put("access", "rwm");
        }
        ArrayNode ns = linux.putArray("namespaces");
        for (String n : rootless ? List.of("pid", "ipc", "uts", "mount", "user") : List.of("pid", "network", "ipc", "uts", "mount")) {
            ns.addObject().put("type", n);
        }
        ArrayNode masked = linux.putArray("maskedPaths");
        List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi").forEach(masked::add);
        ArrayNode ro = linux.putArray("readonlyPaths");
        List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger").forEach(ro::add);
        return JsonWriter.pretty(c) + "\n";
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject().put("destination", destination).put("type", type).put("source", source);
        if (options.length > 0) {
            ArrayNode o = m.putArray("options");
            for (String s : options) {
                o.add(s);
            }
        }
    }

    /** This process's uid or gid, as the rootless default maps it. */
    private static long uid(String which) {
        try {
            Object v = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), which.equals("-u") ? "unix:uid" : "unix:gid");
            return ((Number) v).longValue();
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    /** What this runtime supports (runtime-spec features.md). */
    public static String features() {
        ObjectNode f = NODES.objectNode();
        f.put("ociVersionMin", "1.0.0");
        f.put("ociVersionMax", "1.2.0");
        ArrayNode hooks = f.putArray("hooks");
        for (OciHooks.Kind k : OciHooks.Kind.values()) {
            hooks.add(k.key());
        }
        ArrayNode opts = f.putArray("mountOptions");
        List.of("async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "mand", "noatime", "nodev",
                "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid", "private", "rbind", "relatime",
                "rprivate", "rshared", "rslave", "runbindable", "ro", "rw", "shared", "slave", "strictatime", "suid", "sync",
                "unbindable").forEach(opts::add);
        ObjectNode linux = f.putObject("linux");
        ArrayNode ns = linux.putArray("namespaces");
        List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts").forEach(ns::add);
        ArrayNode caps = linux.putArray("capabilities");
        dev.contain.runtime.security.CapabilitySets.names(-1L).forEach(n -> caps.add("CAP_" + n));
        ObjectNode cg = linux.putObject("cgroup");
        cg.put("v1", true).put("v2", true).put("systemd", false).put("systemdUser", false);
        ObjectNode sc = linux.putObject("seccomp");
        sc.put("enabled", true);
        ArrayNode actions = sc.putArray("actions");
        List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP").forEach(actions::add);
        ArrayNode ops = sc.putArray("operators");
        List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE").forEach(ops::add);
        ArrayNode flags = sc.putArray("supportedFlags");
        List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW").forEach(flags::add);
        linux.putObject("apparmor").put("enabled", false);
        linux.putObject("selinux").put("enabled", false);
        f.putObject("annotations").put("dev.contain.runtime", "contain");
        return JsonWriter.pretty(f);
    }
}
