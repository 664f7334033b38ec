package dev.contain.runtime.plan;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.ExecOptions;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.spec.UserRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan of {@code contain exec}: a process that joins a running container, made from the process its plan
 * gave the container (kept in the state folder), so the exec'd process is confined exactly as the command is
 * (the init channel keeps the container's cgroups, capabilities, no_new_privs, seccomp filter and rlimits:
 * see init/InitPlan.exec), with the container's env, workdir and user unless the exec says otherwise. The
 * init joins the namespaces the container made through a pidfd of the first process, checked against its
 * recorded start time (see runtime/src/main/c/init/join.c).
 */
public final class ExecPlanner {
    private ExecPlanner() {}

    /**
     * @param container the container's process, as its plan gave it
     * @param pid1      the container's first process
     * @param root      where the container's root is seen from the engine (/proc/PID/root), for user names
     */
    public static ExecPlan plan(String name, ContainerProcess container, ProcessStamp pid1, ExecOptions options, Path root)
            throws ContainerError {
        if (options.command().isEmpty()) {
            throw new ContainerError(name, "exec", "no command: give one after --, like contain exec " + name + " -- sh");
        }
        ExecPlan own = defaults(container, pid1);
        long uid = own.uid(), gid = own.gid();
        List<Long> groups = own.groups();
        Map<String, String> vars = vars(own.env());
        if (options.user() != null) {
            UserLookup.Ids ids = new UserLookup(List.of(root), false).resolve(name, userRef(name, options.user()));
            uid = ids.uid();
            gid = ids.gid();
            groups = ids.groups();
            vars.put("HOME", ids.home());
        }
        vars.putAll(options.env());
        String cwd = own.cwd();
        if (options.workdir() != null) {
            if (!options.workdir().startsWith("/")) {
                throw new ContainerError(name, "exec", "-w " + options.workdir() + ": give an absolute path inside the container");
            }
            cwd = options.workdir();
        }
        if (options.detach() && options.tty()) {
            throw new ContainerError(name, "exec", "exec -d with -t is not supported: a detached process has no terminal");
        }
        return new ExecPlan(pid1, own.namespaces(), options.command(), env(vars), cwd, uid, gid, groups, own.confinement(),
                options.tty() ? Terminal.RELAY : null, options.interactive() && !options.detach(), options.detach(), false, 0);
    }

    /**
     * {@code contain exec NAME -- CMD} with no option: the container's own env, workdir, user and confinement, the
     * caller's stdin, no terminal, and no argv yet. What {@link #plan} starts from, and what the engine stores for the
     * native fast path (see init/InitPlan.fastExec), which adds the argv and the stdio choice.
     */
    public static ExecPlan defaults(ContainerProcess container, ProcessStamp pid1) {
        return new ExecPlan(pid1, container.namespaces(), List.of(), env(vars(container.env())), container.cwd(), container.uid(),
                container.gid(), container.groups(), ExecPlan.Confinement.CONTAINERS, null, true, false, false, 0);
    }

    /** {@code contain-oci exec}: {@code process} over the container's own (runc's flags, or a process file). */
    public static ExecPlan plan(ContainerProcess container, ProcessStamp pid1, ExecProcess process) {
        Map<String, String> vars = vars(process.env() != null ? process.env() : container.env());
        vars.putAll(process.setEnv());
        List<Long> groups = new ArrayList<>(process.groups() != null ? process.groups() : container.groups());
        groups.addAll(process.addGroups());
        return new ExecPlan(pid1, container.namespaces(), process.argv(), env(vars), process.cwd() != null ? process.cwd() : container.cwd(),
                process.uid() != null ? process.uid() : container.uid(), process.gid() != null ? process.gid() : container.gid(), groups,
                process.confinement(), process.terminal(), true, false, process.release(), process.preserveFds()); // stdin is the caller's, as runc's
    }

    /** NAME=VALUE each, by name (a later one replaces an earlier one). */
    private static Map<String, String> vars(List<String> env) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String kv : env) {
            int eq = kv.indexOf('=');
            vars.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        return vars;
    }

    private static List<String> env(Map<String, String> vars) {
        List<String> env = new ArrayList<>();
        vars.forEach((k, v) -> env.add(k + "=" + v));
        return env;
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
