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
 * workdir, user and umask unless the exec says otherwise ({@link ExecProcess}). The init joins the namespaces the container made (its
 * clone flags, the cgroup namespace it unshared, a network namespace it shares) through a pidfd of the
 * first process, checked against its recorded start time (see runtime/src/main/c/init/join.c).
 */
public final class ExecPlanner {
    /** Entries of the container's plan kept as they are. */
    private static final Set<String> KEPT = Set.of("cgroup_join", "clone_into_cgroup", "seccomp");
    private static final long NAMESPACES = LinuxFlags.CLONE_NEWUSER | LinuxFlags.CLONE_NEWNS | LinuxFlags.CLONE_NEWPID
            | LinuxFlags.CLONE_NEWNET | LinuxFlags.CLONE_NEWUTS | LinuxFlags.CLONE_NEWIPC | LinuxFlags.CLONE_NEWCGROUP | LinuxFlags.CLONE_NEWTIME;

    private ExecPlanner() {}

    /**
     * {@code contain exec}: the user resolved by name in the container's files, the env merged over the container's.
     *
     * @param run   the container's plan, as entries ({@link PlanEntries#decode})
     * @param pid1  the container's first process
     * @param root  where the container's root is seen from the engine (/proc/PID/root), for user names
     */
    public static byte[] plan(String container, List<List<String>> run, ProcessStamp pid1, ExecOptions options, Path root)
            throws ContainerError {
        if (options.command().isEmpty()) {
            throw new ContainerError(container, "exec", "no command: give one after --, like contain exec " + container + " -- sh");
        }
        Long uid = null;
        Long gid = null;
        List<Long> groups = null;
        Map<String, String> setEnv = new LinkedHashMap<>();
        if (options.user() != null) {
            UserLookup.Ids ids = new UserLookup(List.of(root), false).resolve(container, userRef(container, options.user()));
            uid = ids.uid();
            gid = ids.gid();
            groups = ids.groups();
            setEnv.put("HOME", ids.home());
        }
        setEnv.putAll(options.env());
        if (options.workdir() != null && !options.workdir().startsWith("/")) {
            throw new ContainerError(container, "exec", "-w " + options.workdir() + ": give an absolute path inside the container");
        }
        return plan(run, pid1, new ExecProcess(options.command(), null, setEnv, options.workdir(), uid, gid, groups, List.of(), null, 0,
                null, null, null, null, options.tty() ? Terminal.RELAY : null, false));
    }

    /** The plan of {@code process}, over the container's own (its plan's entries {@code run}). */
    public static byte[] plan(List<List<String>> run, ProcessStamp pid1, ExecProcess process) {
        Plan.PlanWriter w = new Plan.PlanWriter();
        w.entry("version", List.of(Integer.toString(Plan.INIT_PLAN_VERSION)));
        long flags = 0;
        List<String> env = List.of();
        String cwd = "/";
        List<String> user = List.of("0", "0");
        Security.Caps caps = null;
        boolean noNewPrivs = false;
        String umask = null;
        for (List<String> e : run) {
            List<String> fields = e.subList(1, e.size());
            switch (e.get(0)) {
                case "clone" -> flags |= Long.parseUnsignedLong(fields.get(0)) & NAMESPACES;
                case "unshare" -> flags |= Long.parseLong(fields.get(0)) & NAMESPACES;
                case "join_netns" -> flags |= LinuxFlags.CLONE_NEWNET;
                case "env" -> env = fields;
                case "cwd" -> cwd = fields.get(0);
                case "user" -> user = fields;
                case "caps" -> caps = new Security.Caps(hex(fields, 0), hex(fields, 1), hex(fields, 2), hex(fields, 3), hex(fields, 4));
                case "no_new_privs" -> noNewPrivs = true;
                case "umask" -> umask = fields.get(0);
                case "rlimit" -> {
                    if (process.rlimits() == null) {
                        w.entry("rlimit", fields);
                    }
                }
                case "oom_score_adj" -> {
                    if (process.oomScoreAdj() == null) {
                        w.entry("oom_score_adj", fields);
                    }
                }
                default -> {
                    if (KEPT.contains(e.get(0))) {
                        w.entry(e.get(0), fields);
                    }
                }
            }
        }
        w.entry("join", List.of(Long.toString(pid1.pid()), Long.toString(pid1.startTime()), Long.toString(flags)));
        Map<String, String> vars = new LinkedHashMap<>();
        for (String kv : process.env() != null ? process.env() : env) {
            int eq = kv.indexOf('=');
            vars.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        vars.putAll(process.setEnv());
        List<String> envList = new ArrayList<>();
        vars.forEach((k, v) -> envList.add(k + "=" + v));
        List<String> ids = new ArrayList<>();
        ids.add(process.uid() != null ? Long.toString(process.uid()) : user.get(0));
        ids.add(process.gid() != null ? Long.toString(process.gid()) : user.get(1));
        if (process.groups() != null) {
            process.groups().forEach(g -> ids.add(Long.toString(g)));
        } else {
            ids.addAll(user.subList(2, user.size()));
        }
        process.addGroups().forEach(g -> ids.add(Long.toString(g)));
        if (process.caps() != null) {
            caps = process.caps();
        }
        if (caps != null && process.addCaps() != 0) {
            long add = process.addCaps();
            caps = new Security.Caps(caps.bounding() | add, caps.effective() | add, caps.permitted() | add, caps.inheritable(),
                    caps.inheritable() != 0 ? caps.ambient() | add : caps.ambient());
        }
        if (process.noNewPrivs() != null) {
            noNewPrivs = process.noNewPrivs();
        }
        if (process.umask() != null) {
            umask = Integer.toOctalString(process.umask());
        }
        w.entry("argv", process.argv());
        w.entry("env", envList);
        w.entry("cwd", List.of(process.cwd() != null ? process.cwd() : cwd));
        w.entry("user", ids);
        if (caps != null) {
            w.entry("caps", caps.fields());
        }
        if (noNewPrivs) {
            w.entry("no_new_privs", List.of());
        }
        if (umask != null) {
            w.entry("umask", List.of(umask));
        }
        if (process.rlimits() != null) {
            for (Security.Rlimit r : process.rlimits()) {
                w.entry("rlimit", List.of(Integer.toString(r.resource()), Security.Rlimit.text(r.soft()), Security.Rlimit.text(r.hard())));
            }
        }
        if (process.oomScoreAdj() != null) {
            w.entry("oom_score_adj", List.of(process.oomScoreAdj().toString()));
        }
        if (process.terminal() != null) {
            process.terminal().entries(w);
        }
        if (process.release()) {
            w.entry("release", List.of());
        }
        return w.bytes();
    }

    private static long hex(List<String> fields, int i) {
        return Long.parseUnsignedLong(fields.get(i), 16);
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
