package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.init.InitLaunch;
import dev.contain.runtime.init.InitProcess;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.init.InitCodec;
import dev.contain.runtime.init.InitPlan;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** One container run in progress: its plan, its journal, and the init once it exists. */
public final class Run {
    private final Plan plan;
    private final EngineConfig config;
    private final Kernel kernel;
    private final Journal journal;
    private final Progress progress;
    private volatile InitProcess init;
    private InitLaunch initLaunch;
    private volatile long containerPid;
    private dev.contain.runtime.init.Monitor monitor;
    private FutureTask<byte[]> initPlan; // the init's plan, encoded ahead (see encodeInitPlanAhead)
    private java.nio.file.Path execFifo; // OCI create: the process waits at this fifo; the run ends at "created"
    private long monitorPid;
    private RunHooks hooks = RunHooks.NONE;
    private volatile int interruptedBy;
    private volatile IdMaps ids; // the user namespace's maps, once the userns stage has its range
    private final java.util.concurrent.atomic.AtomicInteger forwarded = new java.util.concurrent.atomic.AtomicInteger();

    public Run(Plan plan, EngineConfig config, Kernel kernel, Progress progress) {
        this.plan = plan;
        this.config = config;
        this.kernel = kernel;
        this.progress = progress;
        this.journal = Journal.create(plan.stateDir());
    }

    public Plan plan() { return plan; }
    public EngineConfig config() { return config; }
    public Kernel kernel() { return kernel; }
    public Journal journal() { return journal; }
    public Progress progress() { return progress; }
    public InitProcess init() { return init; }
    public long containerPid() { return containerPid; }
    public int interruptedBy() { return interruptedBy; }
    /** The uid and gid maps of this run: the plan's, with the range the userns stage took. */
    public IdMaps ids() { return ids != null ? ids : plan.ids().maps(null); }
    void ids(IdMaps maps) { this.ids = maps; }

    /** run -d: the init's host side stays as the container's monitor, as this says. */
    public void monitor(dev.contain.runtime.init.Monitor monitor) {
        this.monitor = monitor;
    }

    public dev.contain.runtime.init.Monitor monitor() {
        return monitor;
    }

    private dev.contain.runtime.plan.Terminal terminal;

    /** The command's terminal, a pty made inside the container (tty.c): relayed (run -t) or sent to an OCI console socket; or null. */
    public void terminal(dev.contain.runtime.plan.Terminal terminal) {
        this.terminal = terminal;
    }

    public dev.contain.runtime.plan.Terminal terminal() {
        return terminal;
    }

    void monitorPid(long pid) {
        this.monitorPid = pid;
    }

    /** run -d: the process that monitors the container (the init's host side, no longer the engine's child). */
    public long monitorPid() {
        return monitorPid;
    }

    /** OCI create: the container's process is to wait at {@code fifo} before exec (see Engine.create). */
    public void execFifo(java.nio.file.Path fifo) {
        this.execFifo = fifo;
    }

    public java.nio.file.Path execFifo() {
        return execFifo;
    }

    /** Work the engine does while the init starts the command: between "go" and its answer (see StartStage). */
    @FunctionalInterface
    public interface WhileStarting {
        void run() throws IOException;
    }

    private WhileStarting whileStarting = () -> {};

    public void whileStarting(WhileStarting work) {
        this.whileStarting = work;
    }

    WhileStarting whileStarting() {
        return whileStarting;
    }

    /** OCI hooks (see RunHooks): set before the plan is encoded. */
    public void hooks(RunHooks hooks) {
        this.hooks = hooks;
    }

    public RunHooks hooks() {
        return hooks;
    }

    private int preserveFds;

    /** OCI --preserve-fds: the engine's descriptors 3..3+N-1 (its caller's) are passed to the command. */
    public void preserveFds(int n) {
        this.preserveFds = n;
    }

    /**
     * Encodes the init's plan on a thread of its own once the run's choices are made (monitor, terminal, exec
     * fifo), so that ~1.5 ms of interpreted work (the seccomp program's hex, ~80 entries) overlaps the stages
     * before the namespaces stage instead of lengthening it.
     */
    public void encodeInitPlanAhead() {
        initPlan = new FutureTask<>(() -> {
            initMessages = InitPlan.container(plan, monitor, terminal, execFifo, hooks.startHooks(), preserveFds);
            return InitCodec.encode(initMessages);
        });
        Thread thread = new Thread(initPlan, "contain-plan-encode");
        thread.setDaemon(true);
        thread.start();
    }

    /** The plan as the init is given it (kept in the state folder for inspect and exec). */
    public byte[] initPlan() {
        if (initPlan == null) {
            encodeInitPlanAhead();
        }
        return await(initPlan);
    }

    private volatile java.util.List<dev.contain.runtime.init.InitMessage> initMessages;

    /**
     * The plan of {@code contain exec NAME -- CMD} into this run's container, for the native fast path (see
     * InitPlan.fastExec): ~1 ms of interpreted work (the seccomp program's hex again), done by the engine while
     * the init starts the command (Run.whileStarting), where it was otherwise only waiting.
     */
    public byte[] execPlan() {
        return InitCodec.encode(InitPlan.fastExec(initMessagesNow(), dev.contain.runtime.kernel.ProcessStamp.of(kernel, containerPid)));
    }

    private java.util.List<dev.contain.runtime.init.InitMessage> initMessagesNow() {
        initPlan();
        return initMessages;
    }

    private static byte[] await(FutureTask<byte[]> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the plan is needed either way
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The init the engine started as the run began (see {@link InitLaunch}). */
    public void initLaunch(InitLaunch launch) {
        this.initLaunch = launch;
    }

    /** The init for the namespaces stage, once it has started. */
    InitProcess takeInit() throws IOException {
        if (initLaunch == null) {
            throw new IllegalStateException("the engine launches the init as the run begins");
        }
        init = initLaunch.take();
        return init;
    }

    void started(long pid) {
        this.containerPid = pid;
    }

    public ContainerError error(String stage, String message) {
        return new ContainerError(plan.name(), stage, message);
    }

    /**
     * Ctrl-C, SIGTERM or SIGHUP reached the engine: once the init exists the signal goes to the container
     * and the run ends when the command does; before that, the run stops at the next stage. A command that
     * ignores it (a PID 1 without a handler does) is killed by the second one, as users expect of Ctrl-C.
     */
    public void signal(int signal) {
        InitProcess current = init;
        if (current != null) {
            try {
                if (forwarded.incrementAndGet() > 1) {
                    progress.warn("contain: " + plan.name() + ": signalled again: killing the container");
                    signal = dev.contain.runtime.base.Signals.SIGKILL;
                }
                current.send(new dev.contain.runtime.init.InitCommand.Signal(dev.contain.runtime.plan.ImageDefaults.translate(plan.image(), signal)));
                return;
            } catch (IOException e) {
                // the init is gone; the run is ending anyway
            }
        }
        interruptedBy = signal;
    }

    /**
     * The init ended before reporting the command's exit (the container's process dies with it: it has the
     * init as its parent-death signal's source). Says how, as far as the engine can tell.
     */
    private ContainerError initEnded() {
        java.util.OptionalInt status = init.exitValue();
        String who = "the native init (pid " + init.pid() + ")";
        if (status.isPresent() && status.getAsInt() > 128) {
            int signal = status.getAsInt() - 128;
            return error("wait", who + " was killed by signal " + signal + " (" + dev.contain.runtime.base.Signals.name(signal)
                    + ") while the command ran; the container was killed with it, its exit status is lost");
        }
        return error("wait", who + (status.isPresent() ? " exited with status " + status.getAsInt() : " closed its pipe")
                + " without reporting the command's exit; the container was killed with it");
    }

    /** Waits for the command to end; the init reports how. */
    public dev.contain.runtime.init.InitReply.Exit awaitExit() throws ContainerError {
        try {
            dev.contain.runtime.init.InitReply.Exit exit = init.awaitExit();
            if (exit != null) {
                return exit;
            }
            throw initEnded();
        } catch (IOException e) {
            throw error("wait", "lost the native init: " + e.getMessage());
        }
    }
}
