package dev.contain.runtime.engine;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.ExecOptions;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.base.Signals;
import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.runtime.cgroup.CgroupMounts;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.cgroup.CgroupReport;
import dev.contain.runtime.init.InitLaunch;
import dev.contain.runtime.init.Monitor;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.stage.RunHooks;
import dev.contain.runtime.state.ContainerState;
import dev.contain.runtime.state.Status;
import java.nio.file.Path;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.runtime.init.InitMessage;
import dev.contain.runtime.init.InitPlan;
import dev.contain.runtime.init.InitReply;
import dev.contain.runtime.plan.ExecPlan;
import dev.contain.runtime.plan.ExecPlanner;
import dev.contain.runtime.plan.ExecProcess;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.PlanPrinter;
import dev.contain.runtime.plan.Planner;
import dev.contain.runtime.plan.Terminal;
import dev.contain.runtime.stage.CgroupStage;
import dev.contain.runtime.stage.ImageStage;
import dev.contain.runtime.stage.NamespacesStage;
import dev.contain.runtime.stage.NetworkStage;
import dev.contain.runtime.stage.Run;
import dev.contain.runtime.stage.Stage;
import dev.contain.runtime.stage.StartStage;
import dev.contain.runtime.stage.StateStage;
import dev.contain.runtime.stage.UsernsStage;
import dev.contain.spec.ContainerSpec;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The public API: the CLI is one user of it, a test framework or build tool embedding contain another.
 * {@code new Engine(config, LinuxKernel.INSTANCE).run(spec, RunOptions.DEFAULT, Progress.SILENT, r -> {})} runs a container in the foreground and returns
 * how its command ended, with everything it made undone. The kernel is handed in: the CLI's Main picks the real
 * one, tests may pass another; nothing below the engine picks one itself.
 */
public final class Engine {
    private final EngineConfig config;
    private final Kernel kernel;

    public Engine(EngineConfig config, Kernel kernel) {
        this.config = config;
        this.kernel = kernel;
    }

    public EngineConfig config() {
        return config;
    }

    /** What a run would do, resolved; touches nothing. */
    public Plan plan(ContainerSpec spec, RunOptions options) throws ContainerError {
        return plan(spec, options, cgroupLayout(spec.name()), false);
    }

    /** {@code run --dry-run}: the plan as text (see {@link PlanPrinter}). */
    public String describePlan(ContainerSpec spec, RunOptions options) throws ContainerError {
        return PlanPrinter.print(plan(spec, options));
    }

    /** {@code forRun}: see {@link Planner#plan(ContainerSpec, boolean, boolean)}. */
    private Plan plan(ContainerSpec spec, RunOptions options, CgroupLayout layout, boolean forRun) throws ContainerError {
        return new Planner(config, kernel, new CgroupPlanner(layout, kernel)).plan(spec, options.ignoreMissingLimits(), forRun);
    }

    /**
     * The cgroup layout for a run; where the engine's mount namespace has no cgroup filesystem (under
     * {@code ip netns exec}) and the spec sets limits, after mounting the hierarchies there (see
     * {@link CgroupMounts}), under the run root's lock so that concurrent runs mount them once.
     */
    private CgroupLayout cgroupLayoutForRun(ContainerSpec spec, Progress progress) throws ContainerError {
        CgroupLayout layout = Warmup.takeCgroupLayout().orElse(null);
        if (layout == null) {
            layout = cgroupLayout(spec.name());
        }
        if (layout.mode() != CgroupLayout.Mode.NONE || !spec.resources().any()) {
            return layout;
        }
        try {
            return StateStage.names(config.runRoot()).locked(() -> {
                CgroupLayout now = cgroupLayout(spec.name());
                if (now.mode() == CgroupLayout.Mode.NONE) {
                    List<CgroupMounts.Mount> mounts = CgroupMounts.needed(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/cgroup")));
                    CgroupMounts.mount(kernel, mounts);
                    progress.info("no cgroup filesystem was mounted in this mount namespace (as under `ip netns exec`): mounted "
                            + mounts.size() + " at " + CgroupMounts.ROOT + " for this namespace");
                    now = cgroupLayout(spec.name());
                }
                return now;
            });
        } catch (IOException e) {
            throw new ContainerError(spec.name(), "cgroup", "no cgroup filesystem is mounted in this mount namespace, and "
                    + "mounting them failed: " + e.getMessage() + "; run with nsenter --net=/run/netns/NAME instead of ip netns exec, "
                    + "or with --ignore-missing-limits");
        }
    }

    private CgroupLayout cgroupLayout(String container) throws ContainerError {
        try {
            return CgroupLayout.detect();
        } catch (IOException e) {
            throw new ContainerError(container, "cgroup", "cannot read /proc/self/mountinfo or /proc/self/cgroup: " + e.getMessage());
        }
    }

    /** The stages that make a container, in order; {@link StartStage} ("go") is {@link #start}'s. */
    List<Stage> stages() {
        return List.of(new StateStage(), new ImageStage(), new UsernsStage(), new CgroupStage(), new NamespacesStage(),
                new NetworkStage());
    }

    /**
     * Runs the container in the foreground: {@link #create}, {@link #start}, {@link #await}. {@code onCreate}
     * receives the container before its first stage, so a caller can forward signals to it. Every stage's
     * objects are undone on return, whether the command ended, a stage failed, or a signal stopped it.
     */
    public RunResult run(ContainerSpec spec, RunOptions options, Progress progress, Consumer<Container> onCreate) throws ContainerError {
        try (Container c = create(spec, options, progress, null, onCreate)) {
            start(c);
            return await(c);
        }
    }

    /** Runs a plan made by {@link #plan}, perhaps adjusted by the caller (a test setting init entries directly), as {@link #run}. */
    public RunResult run(Plan plan, Progress progress, Consumer<Container> onCreate) throws ContainerError {
        return run(plan, Launch.PLAIN, progress, onCreate);
    }

    /** As {@link #run(Plan, Progress, Consumer)}, the command started as {@code launch} says (an OCI run's terminal, hooks, descriptors). */
    public RunResult run(Plan plan, Launch launch, Progress progress, Consumer<Container> onCreate) throws ContainerError {
        try (Container c = create(plan, progress, InitLaunch.start(config.dataRoot()), launch, null, null, null, onCreate)) {
            start(c);
            launch.hooks().onStarted().accept(c.pid());
            return await(c);
        }
    }

    /**
     * run -d: {@link #create} and {@link #start}; the container is handed to its monitor (the init's host side)
     * once the command runs, and its name returned. No JVM stays: the monitor logs its output, records its exit,
     * and runs the teardown ({@code cleanup NAME} of this engine, as {@link Detach#self} runs it). A command
     * that cannot be run fails as in the foreground (127/126), with nothing left.
     */
    public String runDetached(ContainerSpec spec, RunOptions options, Progress progress, Detach detach) throws ContainerError {
        try (Container c = create(spec, options, progress, detach, x -> {})) {
            start(c);
            return c.name();
        }
    }

    /**
     * Plans the container and makes it: its state folder, root, ids, cgroup, namespaces and network, its first
     * process waiting for {@link #start}. {@code detach}: run -d's monitor (or null: the foreground). The caller
     * must {@link Container#close} it (try-with-resources): what was made is undone unless handed over. On a
     * failure everything is undone before this throws.
     */
    public Container create(ContainerSpec spec, RunOptions options, Progress progress, Detach detach, Consumer<Container> onCreate)
            throws ContainerError {
        InitLaunch init = InitLaunch.start(config.dataRoot()); // starts while the run plans (see InitLaunch)
        Plan plan;
        try {
            long planning = System.nanoTime();
            plan = plan(spec, options, cgroupLayoutForRun(spec, progress), true);
            progress.stageDone("plan", System.nanoTime() - planning);
        } catch (ContainerError | RuntimeException e) {
            init.closeUnlessTaken();
            throw e;
        }
        Monitor monitor = null;
        if (detach != null) {
            Path stateDir = plan.stateDir();
            List<String> onExit = new java.util.ArrayList<>(detach.self());
            onExit.addAll(List.of("--root", config.dataRoot().toString(), "--run-root", config.runRoot().toString(), "cleanup", plan.name()));
            monitor = new Monitor(stateDir.resolve(ContainerState.LOG), detach.logMax(), stateDir.resolve(ContainerState.EXIT), onExit);
        }
        return create(plan, progress, init, new Launch(options.tty() ? Terminal.RELAY : null, RunHooks.NONE, 0), monitor, detach, null,
                onCreate);
    }

    /** The fifo an OCI-created container's process waits at, in its state folder, until {@code start}. */
    public static final String EXEC_FIFO = "exec.fifo";

    /**
     * OCI create: {@link #create} and {@link #start} with the container's process left waiting before exec at
     * {@link #EXEC_FIFO} in its state folder (namespaces, cgroup, mounts, ids, capabilities all set); the init's
     * host side goes, so no contain process stays: the process is the caller's (its subreaper's). The journal
     * stays in the state folder for {@link #destroy}. Returns its first process.
     */
    public ProcessStamp create(Plan plan, Progress progress) throws ContainerError {
        return create(plan, Launch.PLAIN, progress);
    }

    /** As {@link #create(Plan, Progress)}, the command started as {@code launch} says (a console socket, hooks, descriptors). */
    public ProcessStamp create(Plan plan, Launch launch, Progress progress) throws ContainerError {
        Path fifo = plan.stateDir().resolve(EXEC_FIFO);
        try (Container c = create(plan, progress, InitLaunch.start(config.dataRoot()), launch, null, null, fifo, x -> {})) {
            start(c);
            return ProcessStamp.of(kernel, c.pid());
        }
    }

    private Container create(Plan plan, Progress progress, InitLaunch init, Launch launch, Monitor monitor, Detach detach,
                             Path execFifo, Consumer<Container> onCreate) throws ContainerError {
        if (!plan.bridges().isEmpty()) {
            kernel.preloadNetlink(config.dataRoot()); // JNA's start-up (~50 ms) overlaps the stages before the network one
        }
        if (plan.cgroup().v2() && !plan.cgroup().deviceFilter().isEmpty()) {
            dev.contain.runtime.kernel.Jna.preloadBpf(config.dataRoot()); // likewise, before the cgroup stage
        }
        Run run = new Run(plan, config, kernel, progress);
        run.initLaunch(init);
        run.monitor(monitor);
        run.terminal(launch.terminal());
        run.execFifo(execFifo);
        run.hooks(launch.hooks());
        run.preserveFds(launch.preserveFds());
        run.encodeInitPlanAhead();
        Container c = new Container(this, run, init, detach);
        if (launch.terminal() != null && launch.terminal().consoleSocket() == null) { // a relay makes the engine's terminal raw
            c.terminal = TerminalGuard.start(kernel, config.dataRoot());
        }
        boolean made = false;
        try {
            onCreate.accept(c);
            progress.info("running container \"" + plan.name() + "\" from " + (plan.image() == null ? "root folder " + plan.rootfs()
                    : "image \"" + plan.image().display() + "\""));
            progress.info("container command: " + quote(plan.argv()));
            if (plan.privileged()) { // said even with --quiet: the user should not forget it
                progress.warn("contain: " + plan.name() + ": privileged: every capability, no seccomp filter, no no_new_privs, "
                        + "nothing masked or read-only in /proc and /sys");
            }
            for (Stage stage : stages()) {
                apply(run, stage);
            }
            made = true;
            return c;
        } finally {
            if (!made) {
                c.close();
            }
        }
    }

    private void apply(Run run, Stage stage) throws ContainerError {
        if (run.interruptedBy() != 0) {
            throw run.error(stage.name(), "interrupted by " + Signals.name(run.interruptedBy()) + " before the container started");
        }
        long stageStart = System.nanoTime();
        try {
            stage.apply(run);
        } catch (IOException e) {
            throw run.error(stage.name(), e.getMessage());
        }
        run.progress().stageDone(stage.name(), System.nanoTime() - stageStart);
    }

    /**
     * Starts a created container's command ("go"). In the foreground the caller then {@link #await}s it; run -d
     * hands it to its monitor here; an OCI-created one is left waiting at its exec fifo, its process the caller's.
     * A command that cannot be run throws (127/126) and the container is torn down.
     */
    public void start(Container c) throws ContainerError {
        Run run = c.run;
        Plan plan = run.plan();
        boolean ok = false;
        try {
            if (c.terminal != null) {
                c.terminal.awaitSaved(); // before "go": the init makes it raw once the pty exists
            }
            ContainerState state = ContainerState.at(plan.stateDir(), kernel);
            if (run.execFifo() == null) {
                run.whileStarting(() -> stageStarted(run, state, status(c)));
            }
            apply(run, new StartStage());
            if (run.execFifo() != null) { // OCI create: the process waits at the fifo; the host side goes
                run.progress().info("container created as process " + run.containerPid());
                try {
                    state.writeInitPlan(run.initPlan());
                    run.init().send(new dev.contain.runtime.init.InitCommand.Release());
                } catch (IOException e) {
                    throw run.error("start", "cannot let the container's process go: " + e.getMessage());
                }
                c.handedOver();
                ok = true;
                return;
            }
            run.progress().info("container started as process " + run.containerPid());
            try {
                if (run.hooks() != RunHooks.NONE) { // the command started after the hooks: its start time is theirs
                    state.stageStatus(status(c));
                }
                state.publishStarted();
                if (c.detach != null) {
                    // the monitor owns the state folder from here: gc judges it by the monitor's life
                    state.publishOwner();
                    run.init().handOver();
                    c.handedOver();
                }
            } catch (IOException e) {
                throw run.error("start", "cannot hand the container to its monitor: " + e.getMessage());
            }
            ok = true;
        } finally {
            if (!ok) {
                c.close();
            }
        }
    }

    /** Waits for a started foreground container's command to end, tears the container down, and says how it ended. */
    public RunResult await(Container c) throws ContainerError {
        if (c.isHandedOver()) {
            throw new IllegalStateException(c.name() + " is not this engine's to wait for (detached or OCI-created): see containers().await");
        }
        Run run = c.run;
        Plan plan = run.plan();
        try {
            long started = System.nanoTime();
            InitReply.Exit ended;
            try {
                ended = run.awaitExit();
                c.terminalRestoredByInit();
            } catch (ContainerError e) { // the init died: said now (on a terminal set back), before the teardown's lines
                c.restoreTerminal();
                run.progress().warn("contain: " + e.userMessage());
                throw e.shown();
            }
            TestHooks.point("wait:exited");
            run.progress().stageDone("command", System.nanoTime() - started);
            RunResult exit = new RunResult(plan.name(), ended.code(), ended.signal());
            CgroupReport report = CgroupReport.read(kernel, plan.cgroup());
            RunResult result = new RunResult(exit.container(), exit.exitCode(), exit.signal(),
                    report.oomKills() > 0 && exit.engineExitCode() == 128 + Signals.SIGKILL, report,
                    CgroupReport.limitText(plan.cgroup().memoryLimit()));
            run.progress().info(result.describe());
            return result;
        } finally {
            c.close();
        }
    }

    /** Stops a container by name (see {@link Containers#stop}): its exit, if it had not ended already. */
    public java.util.Optional<dev.contain.runtime.state.Exit> stop(String name, long graceMillis) throws ContainerError {
        return containers().stop(name, graceMillis);
    }

    /** Removes a container by name; {@code force} stops a running one first (see {@link Containers#remove}). */
    public void delete(String name, boolean force) throws ContainerError {
        containers().remove(name, force);
    }

    /** Waits for a container by name to end (a detached one too): how its command ended. */
    public dev.contain.runtime.state.Exit await(String name) throws ContainerError {
        return containers().await(name);
    }

    /**
     * Runs a process in a running container (see {@link Containers#exec}); {@code onStart} receives it before it
     * starts, to forward signals. How the process ended.
     */
    public RunResult exec(String name, ExecOptions options, Consumer<? super Exec> onStart) throws ContainerError {
        return containers().exec(name, options, onStart);
    }

    /**
     * OCI exec: {@code process} in the container whose state folder this is (made by {@link #create}), over the
     * process its plan gave it (see {@link dev.contain.runtime.plan.ExecPlanner}). {@code onStart} receives the
     * exec before it starts, to forward signals; with {@code process.release()} (exec --detach), {@code released}
     * gets the process's pid once it runs, and the exec returns then, the process left to the caller's subreaper.
     */
    public RunResult exec(Path stateDir, ExecProcess process, Consumer<? super Exec> onStart, java.util.function.LongConsumer released)
            throws ContainerError {
        String name = stateDir.getFileName().toString();
        List<InitMessage> container = Containers.storedPlan(name, ContainerState.at(stateDir, kernel).initPlan()
                .orElseThrow(() -> new ContainerError(name, "exec", "its state folder has no init-plan")));
        ProcessStamp pid1 = firstProcess(stateDir).filter(this::running)
                .orElseThrow(() -> new ContainerError(name, "exec", "the container is not running"));
        ExecPlan plan = ExecPlanner.plan(InitPlan.process(container), pid1, process);
        Exec exec = new Exec(name);
        onStart.accept(exec);
        TerminalGuard terminal = plan.terminal() != null && plan.terminal().consoleSocket() == null // a relay makes the caller's raw
                ? TerminalGuard.start(kernel, config.dataRoot()) : null;
        return exec.run(config.dataRoot(), InitPlan.exec(container, plan), false, terminal, process.release() ? released : null);
    }


    /** Undoes what a container's journal holds (its processes killed, its cgroup and state folder removed). */
    public List<String> destroy(Path stateDir) throws ContainerError {
        try {
            List<String> failures = dev.contain.runtime.stage.Journal.load(stateDir).undoAll(kernel);
            if (failures.isEmpty()) {
                kernel.deleteTree(stateDir);
            }
            return failures;
        } catch (IOException e) {
            throw new ContainerError(stateDir.getFileName().toString(), "delete", e.getMessage());
        }
    }

    /** The first process of the container whose state folder this is, as its pid file records it. */
    public java.util.Optional<ProcessStamp> firstProcess(Path stateDir) {
        return ProcessStamp.read(kernel, stateDir.resolve(Planner.PID_FILE));
    }

    /** A signal through a pidfd of the process (never a reused pid); false when it is gone. */
    public boolean signal(ProcessStamp process, int signal) throws IOException {
        return kernel.signal(config.dataRoot(), process, signal);
    }

    /** A signal to a process by pid, through a pidfd opened before its start time is read; false when it is gone. */
    public boolean signal(long pid, int signal) throws IOException {
        ProcessStamp p;
        try {
            p = ProcessStamp.of(kernel, pid);
        } catch (RuntimeException e) {
            return false;
        }
        return kernel.signal(config.dataRoot(), p, signal);
    }

    /** The process is alive and not a zombie (ended, not yet reaped by its parent). */
    public boolean running(ProcessStamp process) {
        if (!process.alive(kernel)) {
            return false;
        }
        try {
            String stat = kernel.read(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The cgroup planner for a container (the layout of the cgroup hierarchies, this engine's kernel): for a front end. */
    public CgroupPlanner cgroups(String container) throws ContainerError {
        return new CgroupPlanner(cgroupLayout(container), kernel);
    }

    /** A container's cgroup, to act on while it runs (OCI ps, pause, resume, kill --all, update). */
    public dev.contain.runtime.cgroup.CgroupControl cgroupControl(String container) throws ContainerError {
        return new dev.contain.runtime.cgroup.CgroupControl(cgroupLayout(container), kernel);
    }

    /** The cgroup folders of the container whose state folder this is, as its journal records them. */
    public List<Path> cgroupDirs(Path stateDir) throws ContainerError {
        try {
            List<Path> out = new java.util.ArrayList<>();
            for (dev.contain.runtime.stage.Undo u : dev.contain.runtime.stage.Journal.load(stateDir).entries()) {
                if (u instanceof dev.contain.runtime.stage.Undo.Cgroup c) {
                    out.add(c.dir());
                }
            }
            return out;
        } catch (IOException e) {
            throw new ContainerError(stateDir.getFileName().toString(), "cgroup", "cannot read the journal: " + e.getMessage());
        }
    }

    /** run -d's choices: the log's size, removal at exit, and how the monitor runs this engine again. */
    public record Detach(long logMax, boolean autoRemove, List<String> self) {
        /** The log's size when the user gives none (the monitor rotates it there). */
        public static final long DEFAULT_LOG_MAX = Monitor.DEFAULT_LOG_MAX;
    }

    /** The images: import, pull, ls, rm, prune. */
    public Images images() {
        return new Images(config, kernel);
    }

    /** gc: the remains of containers whose engine or monitor died, and the image store's leftovers. */
    public Gc gc() {
        return new Gc(config, kernel);
    }

    /** The containers' lifecycle: ps, stop, kill, rm, wait, logs, inspect, and a detached container's teardown. */
    public Containers containers() {
        return new Containers(config, kernel);
    }

    /**
     * The plans of a started container (inspect's, the fast exec's), its status, and for run -d its monitor as the
     * owner, written while the init starts the command; put in place once it runs.
     */
    private void stageStarted(Run run, ContainerState state, Status status) throws IOException {
        try {
            state.stageStarted(run.initPlan(), run.execPlan(), status);
            if (run.monitor() != null) { // run -d
                state.stageOwner(ProcessStamp.of(kernel, run.monitorPid()));
            }
        } catch (IOException e) {
            throw new IOException("cannot record the container's start in " + state.dir() + ": " + e.getMessage(), e);
        }
    }

    /** What ps and inspect show once the command runs; stamped at "go" (the init then takes ~2 ms to exec it). */
    private Status status(Container c) {
        Run run = c.run;
        Plan plan = run.plan();
        boolean detached = c.detach != null;
        return new Status(plan.name(), plan.image() == null ? plan.rootfs().toString() : plan.image().display(), plan.argv(), c.createdMillis,
                System.currentTimeMillis(), run.containerPid(), kernel.startTime(run.containerPid()).orElse(0),
                dev.contain.runtime.plan.ImageDefaults.translate(plan.image(), Signals.SIGTERM), detached, detached && c.detach.autoRemove());
    }

    void teardown(Run run) {
        Plan plan = run.plan();
        Progress progress = run.progress();
        long teardown = System.nanoTime();
        if (run.init() != null) {
            run.init().close();
        }
        List<String> failures = run.journal().undoAll(kernel);
        progress.stageDone("teardown", System.nanoTime() - teardown);
        for (String f : failures) {
            progress.warn("contain: " + plan.name() + ": teardown: could not undo " + f + "; 'contain gc' will retry");
        }
        progress.info("container \"" + plan.name() + "\" terminated");
    }

    /** The bridges the engine made (they stay after their containers, like docker0), with who is on them. */
    public List<Networks.Network> networks() throws ContainerError {
        return new Networks(kernel, config.dataRoot(), config.runRoot()).list();
    }

    /**
     * Deletes bridges the engine made ({@code names} null: all of them), refused, for all, if a container
     * holds an address on one; under the leases' lock, so no run joins a bridge as it goes. Their names.
     */
    public List<String> removeNetworks(List<String> names) throws ContainerError {
        return new Networks(kernel, config.dataRoot(), config.runRoot()).remove(names);
    }

    static String quote(List<String> argv) {
        StringBuilder s = new StringBuilder();
        for (String a : argv) {
            s.append(s.length() == 0 ? "" : " ").append('"').append(a.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return s.toString();
    }
}
