package dev.contain.runtime.plan;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.engine.ExecOptions;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.spec.UserRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The plan of {@code contain exec}: a process that joins a running container, made from the plan its first
 * process was given (kept in the state folder), so the exec'd process is confined exactly as the command
 * is: the same cgroups, capabilities, no_new_privs, seccomp filter and rlimits, with the container's env,
 * workdir and user unless the exec says otherwise. The init joins the namespaces the container made (its
 * clone flags, the cgroup namespace it unshared, a network namespace it shares) through a pidfd of the
 * first process, checked against its recorded start time (see runtime/src/main/c/init/join.c).
 */
public final class ExecPlanner {
    /** Entries of the container's plan kept as they are. */
    private static final Set<String> KEPT = Set.of("cgroup_join", "clone_into_cgroup", "caps", "no_new_privs", "seccomp", "rlimit", "oom_score_adj");
    private static final long NAMESPACES = LinuxFlags.CLONE_NEWUSER | LinuxFlags.CLONE_NEWNS | LinuxFlags.CLONE_NEWPID
            | LinuxFlags.CLONE_NEWNET | LinuxFlags.CLONE_NEWUTS | LinuxFlags.CLONE_NEWIPC | LinuxFlags.CLONE_NEWCGROUP | LinuxFlags.CLONE_NEWTIME;

    private ExecPlanner() {}

    /**
     * @param run   the container's plan, as entries ({@link PlanEntries#decode})
     * @param pid1  the container's first process
     * @param root  where the container's root is seen from the engine (/proc/PID/root), for user names
     */
    public static byte[] plan(String container, List<List<String>> run, ProcessStamp pid1, ExecOptions options, Path root)
            throws ContainerError {
        if (options.command().isEmpty()) {
            throw new ContainerError(container, "exec", "no command: give one after --, like contain exec " + container + " -- sh");
        }
        Plan.PlanWriter w = new Plan.PlanWriter();
        w.entry("version", List.of(Integer.toString(Plan.INIT_PLAN_VERSION)));
        long flags = 0;
        List<String> env = List.of();
        String cwd = "/";
        List<String> user = List.of("0", "0");
        for (List<String> e : run) {
            List<String> fields = e.subList(1, e.size());
            switch (e.get(0)) {
                case "clone" -> flags |= Long.parseUnsignedLong(fields.get(0)) & NAMESPACES;
                case "unshare" -> flags |= Long.parseLong(fields.get(0)) & NAMESPACES;
                case NamespaceJoin.KEY -> flags |= NamespaceJoin.flag(fields.get(0)); // joined by path: exec joins it too
                case "join_netns" -> flags |= LinuxFlags.CLONE_NEWNET; // a plan saved by an engine before join_ns
                case "env" -> env = fields;
                case "cwd" -> cwd = fields.get(0);
                case "user" -> user = fields;
                default -> {
                    if (KEPT.contains(e.get(0))) {
                        w.entry(e.get(0), fields);
                    }
                }
            }
        }
        w.entry("join", List.of(Long.toString(pid1.pid()), Long.toString(pid1.startTime()), Long.toString(flags)));
        Map<String, String> vars = new LinkedHashMap<>();
        for (String kv : env) {
            int eq = kv.indexOf('=');
            vars.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        if (options.user() != null) {
            UserLookup.Ids ids = new UserLookup(List.of(root), false).resolve(container, userRef(container, options.user()));
            List<String> u = new ArrayList<>(List.of(Long.toString(ids.uid()), Long.toString(ids.gid())));
            ids.groups().forEach(g -> u.add(Long.toString(g)));
            user = u;
            vars.put("HOME", ids.home());
        }
        vars.putAll(options.env());
        if (options.workdir() != null) {
            if (!options.workdir().startsWith("/")) {
                throw new ContainerError(container, "exec", "-w " + options.workdir() + ": give an absolute path inside the container");
            }
            cwd = options.workdir();
        }
        List<String> envList = new ArrayList<>();
        vars.forEach((k, v) -> envList.add(k + "=" + v));
        w.entry("argv", options.command());
        w.entry("env", envList);
        w.entry("cwd", List.of(cwd));
        w.entry("user", user);
        if (options.tty()) {
            w.entry("tty", List.of());
        }
        return w.bytes();
    }

    /** USER[:GROUP], each a name or a number, as docker's -u. */
    static UserRef userRef(String container, String text) throws ContainerError {
        String[] parts = text.split(":", -1);
        if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
            throw new ContainerError(container, "exec", "-u " + text + ": give USER or USER:GROUP (names or numeric ids)");
        }
        Long uid = number(parts[0]);
        Long gid = parts.length == 2 ? number(parts[1]) : null;
        return new UserRef(uid, gid, uid == null ? parts[0] : null, parts.length == 2 && gid == null ? parts[1] : null);
    }

    private static Long number(String s) {
        return s.chars().allMatch(Character::isDigit) && s.length() <= 10 ? Long.valueOf(s) : null;
    }
}
