package dev.contain.runtime.oci;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.plan.LinuxFlags;
import dev.contain.runtime.plan.NamespaceJoin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * linux.namespaces: the namespaces the container makes and those it joins by path. The init opens each path
 * and checks it is a namespace of its type; here, policy: each type once, a mount namespace of its own or
 * joined (never the engine's own: the container's root would replace the host's), and with a user namespace
 * joined by path the other new namespaces are unshared after joining it, so they belong to it.
 */
final class OciNamespaces {
    /** runtime-spec's names to /proc/PID/ns's. */
    private static final Map<String, String> TYPES = Map.of("pid", "pid", "network", "net", "mount", "mnt", "ipc", "ipc",
            "uts", "uts", "user", "user", "cgroup", "cgroup", "time", "time");

    /** {@code made}: CLONE_NEW* flags of the namespaces made; {@code hostOwn}: flags of joined ones that are the engine's own. */
    record Result(long made, List<NamespaceJoin> joins, long hostOwn) {
        long joined() {
            long f = 0;
            for (NamespaceJoin j : joins) {
                f |= j.flag();
            }
            return f;
        }

        /** The container has a namespace of this type apart from the host's: made, or joined and not the engine's own. */
        boolean own(long flag) {
            return (made & flag) != 0 || (joined() & flag & ~hostOwn) != 0;
        }

        boolean userJoined() {
            return (joined() & LinuxFlags.CLONE_NEWUSER) != 0;
        }
    }

    private OciNamespaces() {}

    static Result read(Node linux) throws ContainerError {
        long made = 0;
        long hostOwn = 0;
        List<NamespaceJoin> joins = new ArrayList<>();
        long seen = 0;
        for (Node ns : linux.objects("namespaces")) {
            String type = ns.string("type", "");
            String path = ns.string("path", null);
            ns.done();
            String proc = TYPES.get(type);
            if (proc == null) {
                throw ns.error("type", "unknown namespace type \"" + type + "\"");
            }
            long flag = NamespaceJoin.flag(proc);
            if ((seen & flag) != 0) {
                throw ns.error("type", "the " + type + " namespace is listed twice");
            }
            seen |= flag;
            if (path == null || path.isEmpty()) {
                made |= flag;
                continue;
            }
            if (!path.startsWith("/")) {
                throw ns.error("path", "not an absolute path: " + path);
            }
            joins.add(new NamespaceJoin(proc, Path.of(path)));
            if (enginesOwn(Path.of(path), proc)) {
                if (flag == LinuxFlags.CLONE_NEWNS) {
                    throw ns.error("path", path + " is the host's mount namespace: the container's root would replace the host's");
                }
                hostOwn |= flag;
            }
        }
        if ((seen & LinuxFlags.CLONE_NEWNS) == 0) {
            throw linux.error("namespaces", "a mount namespace is required (new, or joined by path)");
        }
        Result r = new Result(made, List.copyOf(joins), hostOwn);
        if (r.userJoined() && (made & (LinuxFlags.CLONE_NEWPID | LinuxFlags.CLONE_NEWTIME)) != 0) {
            throw linux.error("namespaces", "a new " + ((made & LinuxFlags.CLONE_NEWPID) != 0 ? "pid" : "time")
                    + " namespace inside a user namespace joined by path is not supported (join that one by path too, or make a new user namespace)");
        }
        return r;
    }

    /** The namespace file is the one this process (the engine, in the host's namespaces) is in; a missing file is the init's to report. */
    private static boolean enginesOwn(Path path, String type) {
        try {
            Object a = Files.getAttribute(path, "unix:ino");
            Object b = Files.getAttribute(Path.of("/proc/self/ns", type), "unix:ino");
            return a.equals(b) && Files.getAttribute(path, "unix:dev").equals(Files.getAttribute(Path.of("/proc/self/ns", type), "unix:dev"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
