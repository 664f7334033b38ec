package dev.contain.runtime.engine;

import dev.contain.runtime.cgroup.CgroupLayout;
import dev.contain.runtime.cgroup.CgroupMounts;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.cgroup.CgroupReport;
import dev.contain.runtime.init.InitLaunch;
import dev.contain.runtime.init.Monitor;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.state.ContainerState;
import dev.contain.runtime.state.Status;
import java.nio.file.Path;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.LinuxKernel;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.runtime.net.Netlink;
import dev.contain.runtime.net.Networks;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.Planner;
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
 * {@code new Engine(config).run(spec, RunOptions.DEFAULT, Progress.SILENT, r -> {})} runs a container in the foreground and returns
 * how its command ended, with everything it made undone.
 */
public final class Engine {
    private final EngineConfig config;
    private final Kernel kernel;

    public Engine(EngineConfig config) {
        this(config, LinuxKernel.INSTANCE);
    }

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

    /** {@code forRun}: see {@link Planner#plan(ContainerSpec, RunOptions, boolean)}. */
    private Plan plan(ContainerSpec spec, RunOptions options, CgroupLayout layout, boolean forRun) throws ContainerError {
        return new Planner(config, new CgroupPlanner(layout, kernel)).plan(spec, options, forRun);
    }

    /**
     * The cgroup layout for a run; where the engine's mount namespace has no cgroup filesystem (under
     * {@code ip netns exec}) and the spec sets limits, after mounting the hierarchies there (see
     * {@link CgroupMounts}), under the run root's lock so that concurrent runs mount them once.
     */
    private CgroupLayout cgroupLayoutForRun(ContainerSpec spec, Progress progress) throws ContainerError {
        CgroupLayout layout = cgroupLayout(spec.name());
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

    List<Stage> stages() {
        return List.of(new StateStage(), new ImageStage(), new UsernsStage(), new CgroupStage(), new NamespacesStage(),
                new NetworkStage(), new StartStage());
    }

    /**
     * Runs the container in the foreground. {@code onRun} receives the run before its first stage, so a
     * caller can forward signals to it ({@link Run#signal}). Every stage's objects are undone on return,
     * whether the command ended, a stage failed, or a signal stopped it.
     */
    public RunResult run(ContainerSpec spec, RunOptions options, Progress progress, Consumer<Run> onRun) throws ContainerError {
        InitLaunch init = InitLaunch.start(config.dataRoot()); // starts while the run plans (see InitLaunch)
        try {
            return run(spec, options, progress, onRun, init);
        } finally {
            init.closeUnlessTaken();
        }
    }

    /** Runs a plan made by {@link #plan}, perhaps adjusted by the caller (a test setting init entries directly). */
    public RunResult run(Plan plan, Progress progress, Consumer<Run> onRun) throws ContainerError {
        InitLaunch init = InitLaunch.start(config.dataRoot());
        try {
            return run(plan, progress, onRun, init);
        } finally {
            init.closeUnlessTaken();
        }
    }

    private RunResult run(ContainerSpec spec, RunOptions options, Progress progress, Consumer<Run> onRun, InitLaunch init)
            throws ContainerError {
        long planning = System.nanoTime();
        Plan plan = plan(spec, options, cgroupLayoutForRun(spec, progress), true);
        progress.stageDone("plan", System.nanoTime() - planning);
        return run(plan, progress, onRun, init);
    }

    /**
     * run -d: sets the container up and starts its command, then hands it to its monitor (the init's host
     * side) and returns its name once the command runs. No JVM stays: the monitor logs its output, records
     * its exit, and runs the teardown ({@code onExit}, normally this engine's {@code cleanup NAME}).
     * A command that cannot be run fails as in the foreground (127/126), with nothing left.
     */
    public String start(ContainerSpec spec, RunOptions options, Progress progress, Detach detach) throws ContainerError {
        InitLaunch init = InitLaunch.start(config.dataRoot());
        try {
            long planning = System.nanoTime();
            Plan plan = plan(spec, options);
            progress.stageDone("plan", System.nanoTime() - planning);
            Path stateDir = plan.stateDir();
            List<String> onExit = new java.util.ArrayList<>(detach.self());
            onExit.addAll(List.of("--root", config.dataRoot().toString(), "--run-root", config.runRoot().toString(), "cleanup", plan.name()));
            Monitor monitor = new Monitor(stateDir.resolve(ContainerState.LOG), detach.logMax(), stateDir.resolve(ContainerState.EXIT), onExit);
            run(plan, progress, r -> r.monitor(monitor), init, detach);
            return plan.name();
        } finally {
            init.closeUnlessTaken();
        }
    }

    /** The fifo an OCI-created container's process waits at, in its state folder, until {@code start}. */
    public static final String EXEC_FIFO = "exec.fifo";

    /**
     * OCI create: sets the container up (namespaces, cgroup, mounts, ids, capabilities) and leaves its process
     * waiting before exec at {@link #EXEC_FIFO} in its state folder, then lets the init's host side go, so no
     * contain process stays: the container's process is left to the caller (its subreaper). The journal stays
     * in the state folder for {@link #destroy}. Returns its first process.
     */
    public ProcessStamp create(Plan plan, Progress progress) throws ContainerError {
        return create(plan, 0, progress);
    }

    /** {@code preserveFds}: this process's descriptors 3..3+N-1 are passed to the container's command (OCI --preserve-fds). */
    public ProcessStamp create(Plan plan, int preserveFds, Progress progress) throws ContainerError {
        InitLaunch init = InitLaunch.start(config.dataRoot());
        try {
            Run[] created = new Run[1];
            run(plan, progress, r -> {
                r.preserveFds(preserveFds);
                r.execFifo(plan.stateDir().resolve(EXEC_FIFO));
                created[0] = r;
            }, init, null);
            return ProcessStamp.of(kernel, created[0].containerPid());
        } finally {
            init.closeUnlessTaken();
        }
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

    /** run -d's choices: the log's size, removal at exit, and how the monitor runs this engine again. */
    public record Detach(long logMax, boolean autoRemove, List<String> self) {}

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

    private RunResult run(Plan plan, Progress progress, Consumer<Run> onRun, InitLaunch init) throws ContainerError {
        return run(plan, progress, onRun, init, null);
    }

    /** The status ps shows, once the command runs. */
    private void recordStarted(Run run, long created, boolean detached, boolean autoRemove) throws IOException {
        Plan plan = run.plan();
        ContainerState state = ContainerState.at(plan.stateDir(), kernel);
        state.writeInitPlan(run.initPlan());
        state.writeStatus(new Status(plan.name(), plan.image() == null ? plan.rootfs().toString() : plan.image().display(), plan.argv(), created, System.currentTimeMillis(),
                run.containerPid(), kernel.startTime(run.containerPid()).orElse(0),
                dev.contain.runtime.plan.ImageDefaults.translate(plan.image(), Signals.SIGTERM), detached, autoRemove));
    }

    private RunResult run(Plan plan, Progress progress, Consumer<Run> onRun, InitLaunch init, Detach detach) throws ContainerError {
        long created = System.currentTimeMillis();
        boolean handedOver = false;
        if (!plan.bridges().isEmpty()) {
            Netlink.preload(config.dataRoot()); // JNA's start-up (~50 ms) overlaps the stages before the network one
        }
        if (plan.cgroup().v2() && !plan.cgroup().deviceFilter().isEmpty()) {
            dev.contain.runtime.kernel.Jna.preloadBpf(config.dataRoot()); // likewise, before the cgroup stage
        }
        Run run = new Run(plan, config, kernel, progress);
        run.initLaunch(init);
        onRun.accept(run);
        progress.info("running container \"" + plan.name() + "\" from " + (plan.image() == null ? "root folder " + plan.rootfs()
                : "image \"" + plan.image().display() + "\""));
        progress.info("container command: " + quote(plan.argv()));
        if (plan.privileged()) { // said even with --quiet: the user should not forget it
            progress.warn("contain: " + plan.name() + ": privileged: every capability, no seccomp filter, no no_new_privs, "
                    + "nothing masked or read-only in /proc and /sys");
        }
        try {
            for (Stage stage : stages()) {
                if (run.interruptedBy() != 0) {
                    throw run.error(stage.name(), "interrupted by " + Signals.name(run.interruptedBy()) + " before the container started");
                }
                long stageStart = System.nanoTime();
                try {
                    stage.apply(run);
                } catch (IOException e) {
                    throw run.error(stage.name(), e.getMessage());
                }
                progress.stageDone(stage.name(), System.nanoTime() - stageStart);
            }
            if (run.execFifo() != null) { // OCI create: the process waits at the fifo; the host side goes
                progress.info("container created as process " + run.containerPid());
                try {
                    ContainerState.at(plan.stateDir(), kernel).writeInitPlan(run.initPlan());
                    run.init().send("release");
                } catch (IOException e) {
                    throw run.error("start", "cannot let the container's process go: " + e.getMessage());
                }
                handedOver = true;
                return null;
            }
            progress.info("container started as process " + run.containerPid());
            try {
                recordStarted(run, created, detach != null, detach != null && detach.autoRemove());
                if (detach != null) {
                    // the monitor owns the state folder from here: gc judges it by the monitor's life
                    ContainerState.at(plan.stateDir(), kernel).writeOwner(ProcessStamp.of(kernel, run.monitorPid()));
                    run.init().handOver();
                    handedOver = true;
                    return null;
                }
            } catch (IOException e) {
                throw run.error("start", "cannot hand the container to its monitor: " + e.getMessage());
            }
            long started = System.nanoTime();
            RunResult exit;
            try {
                exit = run.awaitExit();
            } catch (ContainerError e) { // the init died: said now, before the teardown's lines
                progress.warn("contain: " + e.userMessage());
                throw e.shown();
            }
            TestHooks.point("wait:exited");
            progress.stageDone("command", System.nanoTime() - started);
            CgroupReport report = CgroupReport.read(kernel, plan.cgroup());
            RunResult result = new RunResult(exit.container(), exit.exitCode(), exit.signal(),
                    report.oomKills() > 0 && exit.engineExitCode() == 128 + Signals.SIGKILL, report,
                    CgroupReport.limitText(plan.cgroup().memoryLimit()));
            progress.info(result.describe());
            return result;
        } finally {
            if (!handedOver) { // once handed over, the monitor tears it down when the command ends
                teardown(run, progress);
            }
        }
    }

    private void teardown(Run run, Progress progress) {
        Plan plan = run.plan();
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
        return new Networks(config.dataRoot(), config.runRoot()).list();
    }

    /**
     * Deletes bridges the engine made ({@code names} null: all of them), refused, for all, if a container
     * holds an address on one; under the leases' lock, so no run joins a bridge as it goes. Their names.
     */
    public List<String> removeNetworks(List<String> names) throws ContainerError {
        return new Networks(config.dataRoot(), config.runRoot()).remove(names);
    }

    static String quote(List<String> argv) {
        StringBuilder s = new StringBuilder();
        for (String a : argv) {
            s.append(s.length() == 0 ? "" : " ").append('"').append(a.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return s.toString();
    }
}
