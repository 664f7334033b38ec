package dev.contain.runtime.init;

import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.plan.ContainerProcess;
import dev.contain.runtime.plan.ExecPlan;
import dev.contain.runtime.plan.ExecPlanner;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.LinuxFlags;
import dev.contain.runtime.plan.NamespaceJoin;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.Security;
import dev.contain.runtime.plan.Terminal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The plans the engine decides, as the messages the init reads: a container's first process, and an exec into it. */
public final class InitPlan {
    private static final long NAMESPACES = LinuxFlags.CLONE_NEWUSER | LinuxFlags.CLONE_NEWNS | LinuxFlags.CLONE_NEWPID
            | LinuxFlags.CLONE_NEWNET | LinuxFlags.CLONE_NEWUTS | LinuxFlags.CLONE_NEWIPC | LinuxFlags.CLONE_NEWCGROUP | LinuxFlags.CLONE_NEWTIME;

    private InitPlan() {}

    /**
     * A container's first process: the plan's entries, then how this run holds it: run -d's {@code monitor}
     * (or null), -t's or OCI's {@code terminal} (or null), OCI create's {@code execFifo} (or null), OCI
     * startContainer's {@code startHooks} and OCI's {@code preserveFds} (or 0).
     */
    public static List<InitMessage> container(Plan plan, Monitor monitor, Terminal terminal, Path execFifo, List<InitOp.Hook> startHooks,
                                              int preserveFds) {
        List<InitMessage> m = new ArrayList<>(plan.ops().size() + 24);
        m.add(new InitMessage.Clone(plan.cloneFlags()));
        for (NamespaceJoin j : plan.joins()) {
            m.add(new InitMessage.JoinNs(j));
        }
        for (Path tasks : plan.cgroup().selfJoinFiles()) {
            m.add(new InitMessage.CgroupJoin(tasks));
        }
        if (plan.cgroup().cloneInto() != null) {
            m.add(new InitMessage.CloneIntoCgroup(plan.cgroup().cloneInto()));
        }
        m.add(new InitMessage.Rootfs(plan.rootfs()));
        if (plan.chrootFallback()) {
            m.add(new InitMessage.ChrootFallback());
        }
        for (InitOp op : plan.ops()) {
            m.add(new InitMessage.Op(op));
        }
        m.add(new InitMessage.Argv(plan.argv()));
        m.add(new InitMessage.Env(plan.env()));
        m.add(new InitMessage.Cwd(plan.cwd()));
        m.add(new InitMessage.User(plan.uid(), plan.gid(), plan.groups()));
        if (plan.reaper()) {
            m.add(new InitMessage.Reaper());
        }
        security(m, plan.security());
        if (monitor != null) {
            m.addAll(monitor.messages());
        }
        terminal(m, terminal);
        if (execFifo != null) {
            m.add(new InitMessage.ExecFifo(execFifo));
        }
        for (InitOp.Hook h : startHooks) {
            m.add(new InitMessage.StartHook(h));
        }
        if (preserveFds > 0) {
            m.add(new InitMessage.PreserveFds(preserveFds));
        }
        return m;
    }

    /** A pty for the process, relayed or (with a console socket) sent there; none when {@code terminal} is null. */
    private static void terminal(List<InitMessage> m, Terminal terminal) {
        if (terminal == null) {
            return;
        }
        m.add(new InitMessage.Tty());
        if (terminal.consoleSocket() != null) {
            m.add(new InitMessage.ConsoleSocket(terminal.consoleSocket().toAbsolutePath()));
        }
        if (terminal.rows() != 0 || terminal.cols() != 0) {
            m.add(new InitMessage.ConsoleSize(terminal.rows(), terminal.cols()));
        }
    }

    /** The entries of security that are not operations (masked and read-only paths are, among the plan's ops). */
    private static void security(List<InitMessage> m, Security s) {
        if (s.newKeyring()) {
            m.add(new InitMessage.NewKeyring());
        }
        if (s.caps() != null) {
            m.add(new InitMessage.Caps(s.caps()));
        }
        if (s.noNewPrivs()) {
            m.add(new InitMessage.NoNewPrivs());
        }
        if (s.seccomp() != null) {
            m.add(new InitMessage.Seccomp(s.seccomp()));
        }
        for (Security.Rlimit r : s.rlimits()) {
            m.add(new InitMessage.Rlimit(r));
        }
        if (s.oomScoreAdj() != null) {
            m.add(new InitMessage.OomScoreAdj(s.oomScoreAdj()));
        }
        if (s.umask() != null) {
            m.add(new InitMessage.Umask(s.umask()));
        }
    }

    /**
     * The container's process as its stored plan gave it: the namespaces it made (its clone flags, the cgroup
     * namespace it unshared, the namespaces it joined by path), its env, workdir and user: what an exec starts from.
     */
    public static ContainerProcess process(List<InitMessage> stored) {
        long namespaces = 0;
        List<String> env = List.of();
        String cwd = "/";
        InitMessage.User user = new InitMessage.User(0, 0, List.of());
        for (InitMessage m : stored) {
            if (m instanceof InitMessage.Clone c) {
                namespaces |= c.flags() & NAMESPACES;
            } else if (m instanceof InitMessage.Op o && o.op() instanceof InitOp.Unshare u) {
                namespaces |= u.flags() & NAMESPACES;
            } else if (m instanceof InitMessage.JoinNs j) {
                namespaces |= j.join().flag(); // joined by path: an exec joins it too
            } else if (m instanceof InitMessage.Env e) {
                env = e.env();
            } else if (m instanceof InitMessage.Cwd c) {
                cwd = c.dir();
            } else if (m instanceof InitMessage.User u) {
                user = u;
            }
        }
        return new ContainerProcess(namespaces, env, cwd, user.uid(), user.gid(), user.groups());
    }

    /**
     * What the engine stores for the native fast path of {@code contain exec [-i] NAME -- CMD} (runtime/src/main/c/init/
     * fastexec.c): {@link #exec} of the container's defaults ({@link ExecPlanner#defaults}) without the argv. The fast path
     * appends the argv, and a stdin_null entry unless -i: the same entries the engine sends for that exec.
     */
    public static List<InitMessage> fastExec(List<InitMessage> stored, ProcessStamp pid1) {
        return exec(stored, ExecPlanner.defaults(process(stored), pid1)).stream()
                .filter(m -> !(m instanceof InitMessage.Argv)).toList();
    }

    /**
     * An exec into the container: the confinement of its stored plan (cgroups, seccomp always; capabilities,
     * no_new_privs, rlimits, oom_score_adj and umask unless the exec changes them), joined through a pidfd of its
     * first process.
     */
    public static List<InitMessage> exec(List<InitMessage> stored, ExecPlan exec) {
        ExecPlan.Confinement c = exec.confinement();
        List<InitMessage> m = new ArrayList<>();
        Security.Caps caps = c.caps();
        boolean noNewPrivs = Boolean.TRUE.equals(c.noNewPrivs());
        Integer umask = c.umask();
        for (InitMessage s : stored) {
            if (s instanceof InitMessage.Caps k) {
                caps = caps != null ? caps : k.caps();
            } else if (s instanceof InitMessage.NoNewPrivs) {
                noNewPrivs = c.noNewPrivs() == null || c.noNewPrivs();
            } else if (s instanceof InitMessage.Umask u) {
                umask = umask != null ? umask : u.mask();
            } else if (s instanceof InitMessage.Rlimit && c.rlimits() != null || s instanceof InitMessage.OomScoreAdj && c.oomScoreAdj() != null) {
                continue; // the exec's own, below
            } else if (s instanceof InitMessage.Confinement) {
                m.add(s);
            }
        }
        if (caps != null && c.addCaps() != 0) {
            long add = c.addCaps();
            caps = new Security.Caps(caps.bounding() | add, caps.effective() | add, caps.permitted() | add, caps.inheritable(),
                    caps.inheritable() != 0 ? caps.ambient() | add : caps.ambient());
        }
        if (caps != null) {
            m.add(new InitMessage.Caps(caps));
        }
        if (noNewPrivs) {
            m.add(new InitMessage.NoNewPrivs());
        }
        if (c.rlimits() != null) {
            c.rlimits().forEach(r -> m.add(new InitMessage.Rlimit(r)));
        }
        if (c.oomScoreAdj() != null) {
            m.add(new InitMessage.OomScoreAdj(c.oomScoreAdj()));
        }
        if (umask != null) {
            m.add(new InitMessage.Umask(umask));
        }
        m.add(new InitMessage.Join(exec.target().pid(), exec.target().startTime(), exec.namespaces()));
        m.add(new InitMessage.Argv(exec.argv()));
        m.add(new InitMessage.Env(exec.env()));
        m.add(new InitMessage.Cwd(exec.cwd()));
        m.add(new InitMessage.User(exec.uid(), exec.gid(), exec.groups()));
        terminal(m, exec.terminal());
        if (exec.release()) {
            m.add(new InitMessage.Release());
        }
        if (!exec.stdin()) {
            m.add(new InitMessage.StdinNull());
        }
        if (exec.detach()) {
            m.add(new InitMessage.Detach());
        }
        if (exec.preserveFds() > 0) {
            m.add(new InitMessage.PreserveFds(exec.preserveFds()));
        }
        return m;
    }
}
