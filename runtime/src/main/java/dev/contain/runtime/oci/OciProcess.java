package dev.contain.runtime.oci;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.plan.Security;
import dev.contain.runtime.security.CapabilitySets;
import java.util.ArrayList;
import java.util.List;

/**
 * runtime-spec's process object, read and checked: config.json's {@code process}, and the file of
 * {@code exec --process}. What is absent is null (caps, umask, oomScoreAdj) or empty (rlimits), so an exec can
 * tell "the container's" from "none".
 *
 * @param rows    consoleSize.height, 0 when absent
 * @param cols    consoleSize.width, 0 when absent
 */
public record OciProcess(List<String> args, List<String> env, String cwd, long uid, long gid, List<Long> groups, Integer umask,
        Security.Caps caps, boolean noNewPrivileges, List<Security.Rlimit> rlimits, Integer oomScoreAdj, boolean terminal, int rows,
        int cols) {
    private static final List<String> CAP_SETS = List.of("bounding", "effective", "permitted", "inheritable", "ambient");

    static OciProcess read(Node process) throws ContainerError {
        boolean terminal = process.bool("terminal", false);
        int rows = 0;
        int cols = 0;
        Node size = process.object("consoleSize");
        if (size != null) {
            rows = dimension(size, "height");
            cols = dimension(size, "width");
            size.done();
        }
        List<String> args = process.strings("args");
        if (args.isEmpty()) {
            throw process.error("args", "missing: the command to run");
        }
        List<String> env = process.strings("env");
        String cwd = process.string("cwd", "/");
        if (!cwd.startsWith("/")) {
            throw process.error("cwd", "not an absolute path: " + cwd);
        }
        Node user = process.object("user");
        long uid = 0;
        long gid = 0;
        List<Long> groups = new ArrayList<>();
        Integer umask = null;
        if (user != null) {
            uid = id(user, "uid");
            gid = id(user, "gid");
            for (Long g : user.numbers("additionalGids")) {
                if (g < 0 || g > 4294967294L) {
                    throw user.error("additionalGids", "not an id (0 to 4294967294): " + g);
                }
                groups.add(g);
            }
            Long u = user.number("umask");
            if (u != null && (u < 0 || u > 0777)) {
                throw user.error("umask", "not a umask (0 to 0777)");
            }
            umask = u == null ? null : u.intValue();
            user.refuse("username", "not supported on Linux");
            user.done();
        }
        Security.Caps caps = null;
        Node c = process.object("capabilities");
        if (c != null) {
            long[] m = new long[CAP_SETS.size()];
            for (int i = 0; i < m.length; i++) {
                for (String name : c.strings(CAP_SETS.get(i))) {
                    int bit = CapabilitySets.bit(name);
                    if (bit < 0) {
                        throw c.error(CAP_SETS.get(i), "unknown capability " + name);
                    }
                    m[i] |= 1L << bit;
                }
            }
            c.done();
            // the kernel raises an ambient capability only if it is permitted and inheritable; `runc spec` asks for
            // ambient ones with no inheritable set, and runc and crun skip what cannot be raised: so do we
            caps = new Security.Caps(m[0], m[1], m[2], m[3], m[4] & m[2] & m[3]);
        }
        List<Security.Rlimit> rlimits = new ArrayList<>();
        for (Node r : process.objects("rlimits")) {
            String type = r.string("type", "");
            Long soft = r.unsigned("soft");
            Long hard = r.unsigned("hard");
            r.done();
            int resource = type.startsWith("RLIMIT_") ? Security.Rlimit.NAMES.indexOf(type.substring(7).toLowerCase(java.util.Locale.ROOT)) : -1;
            if (resource < 0 || soft == null || hard == null) {
                throw r.error(null, resource < 0 ? "unknown rlimit type \"" + type + "\"" : "soft and hard are required");
            }
            if (Long.compareUnsigned(soft, hard) > 0) {
                throw r.error("soft", "above the hard limit");
            }
            rlimits.add(new Security.Rlimit(resource, soft, hard));
        }
        Long oom = process.number("oomScoreAdj");
        if (oom != null && (oom < -1000 || oom > 1000)) {
            throw process.error("oomScoreAdj", "not between -1000 and 1000");
        }
        boolean noNewPrivileges = process.bool("noNewPrivileges", false);
        for (String k : List.of("apparmorProfile", "selinuxLabel", "commandLine", "ioPriority", "scheduler", "execCPUAffinity")) {
            process.refuse(k, "not supported");
        }
        process.done();
        return new OciProcess(List.copyOf(args), List.copyOf(env), cwd, uid, gid, List.copyOf(groups), umask, caps, noNewPrivileges,
                List.copyOf(rlimits), oom == null ? null : oom.intValue(), terminal, rows, cols);
    }

    private static long id(Node n, String key) throws ContainerError {
        Long v = n.number(key);
        if (v != null && (v < 0 || v > 4294967294L)) {
            throw n.error(key, "not an id (0 to 4294967294)");
        }
        return v == null ? 0 : v;
    }

    private static int dimension(Node size, String key) throws ContainerError {
        Long v = size.number(key);
        if (v != null && (v < 0 || v > 65535)) {
            throw size.error(key, "not a terminal size (0 to 65535)");
        }
        return v == null ? 0 : v.intValue();
    }
}
