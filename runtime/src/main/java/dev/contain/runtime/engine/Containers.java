package dev.contain.runtime.engine;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.ExecOptions;
import dev.contain.runtime.base.Signals;
import dev.contain.runtime.init.InitCodec;
import dev.contain.runtime.init.InitMessage;
import dev.contain.runtime.init.InitPlan;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.net.Leases;
import dev.contain.runtime.plan.ExecPlan;
import dev.contain.runtime.plan.ExecPlanner;
import dev.contain.runtime.stage.Journal;
import dev.contain.runtime.state.ContainerState;
import dev.contain.runtime.state.ContainerState.Phase;
import dev.contain.runtime.state.Exit;
import dev.contain.runtime.state.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lifecycle of containers that run on without their engine (run -d), and the view of every container:
 * ps, stop, kill, rm, wait, logs, inspect, and the teardown a detached container's monitor runs when its
 * command has ended. Signals go through a pidfd of the container's first process (never a bare pid).
 * Two stops at once, or a stop racing the command's own exit, end it once: the monitor writes the exit
 * once, the teardown runs once under the container's lock, and every caller reads the same record.
 */
public final class Containers {
    /** One container as ps shows it. {@code status} and {@code exit} are empty while it is being set up / runs. */
    public record Info(String name, Phase phase, Optional<Status> status, Optional<Exit> exit, List<String> addresses, Path stateDir) {}

    private static final long POLL_MILLIS = 10;

    private final EngineConfig config;
    private final Kernel kernel;

    Containers(EngineConfig config, Kernel kernel) {
        this.config = config;
        this.kernel = kernel;
    }

    /** Every container in the run root; with {@code all}, exited and dead ones too. */
    public List<Info> list(boolean all) throws ContainerError {
        try {
            Map<String, List<String>> addresses = addresses();
            List<Info> infos = new ArrayList<>();
            for (ContainerState s : ContainerState.all(config.runRoot(), kernel)) {
                Info i = info(s, addresses);
                if (all || i.phase() == Phase.RUNNING || i.phase() == Phase.CREATED) {
                    infos.add(i);
                }
            }
            return infos;
        } catch (IOException e) {
            throw new ContainerError(null, "ps", "cannot list " + config.runRoot() + ": " + e.getMessage());
        }
    }

    public Info info(String name) throws ContainerError {
        ContainerState s = existing(name);
        try {
            return info(s, addresses());
        } catch (IOException e) {
            throw new ContainerError(name, "state", e.getMessage());
        }
    }

    private Info info(ContainerState s, Map<String, List<String>> addresses) {
        return new Info(s.name(), s.phase(), s.status(), s.exit(), addresses.getOrDefault(s.name(), List.of()), s.dir());
    }

    private Map<String, List<String>> addresses() throws IOException {
        Map<String, List<String>> by = new java.util.HashMap<>();
        new Leases(config.runRoot()).all().forEach((bridge, leases) -> leases.forEach((ip, container) ->
                by.computeIfAbsent(container, c -> new ArrayList<>()).add(new dev.contain.spec.Ipv4(ip).toString())));
        return by;
    }

    private ContainerState existing(String name) throws ContainerError {
        return found(name).orElseThrow(() -> new ContainerError(name, null, "no such container (see contain ps -a)"));
    }

    private Optional<ContainerState> found(String name) {
        ContainerState s = ContainerState.of(config.runRoot(), name, kernel);
        return name.startsWith(".") || name.contains("/") || !s.exists() ? Optional.empty() : Optional.of(s);
    }

    /**
     * Sends {@code signal} to the container's first process (its PID 1), through a pidfd. As for any PID 1,
     * the kernel delivers only the signals it handles, and SIGKILL.
     */
    public void kill(String name, int signal) throws ContainerError {
        ContainerState s = existing(name);
        Status status = running(s);
        try {
            if (!kernel.signal(config.dataRoot(), status.firstProcess(), signal)) {
                throw new ContainerError(name, "kill", "the container is not running");
            }
        } catch (IOException e) {
            throw new ContainerError(name, "kill", e.getMessage());
        }
    }

    private Status running(ContainerState s) throws ContainerError {
        Phase phase = s.phase();
        Optional<Status> status = s.status();
        if (phase != Phase.RUNNING || status.isEmpty()) {
            throw new ContainerError(s.name(), null, "is not running (" + describe(phase, s.exit()) + ")");
        }
        return status.get();
    }

    /** A grace period of {@link #stop} without a limit: no SIGKILL, the command ends when it does. */
    public static final long NO_LIMIT = -1;

    /**
     * Stops a running container: its stop signal (SIGTERM or the image's), {@code graceMillis} to end, then
     * SIGKILL; returns once it has ended and been torn down, with how it ended (empty for a foreground run,
     * whose engine removes its record). A container that has already ended is only waited for.
     */
    public Optional<Exit> stop(String name, long graceMillis) throws ContainerError {
        ContainerState s = existing(name);
        Optional<Exit> exit = Optional.empty();
        if (s.phase() == Phase.RUNNING) {
            Status status = s.status().orElseThrow();
            ProcessStamp pid1 = status.firstProcess();
            try {
                if (kernel.signal(config.dataRoot(), pid1, status.stopSignal())) {
                    exit = ended(s, graceMillis);
                    if (exit.isEmpty() && s.exists() && graceMillis == NO_LIMIT) { // what ended the wait
                        throw monitorDied(name);
                    }
                    if (exit.isEmpty() && s.exists()) {
                        kernel.signal(config.dataRoot(), pid1, Signals.SIGKILL);
                    }
                }
            } catch (IOException e) {
                throw new ContainerError(name, "stop", e.getMessage());
            }
        } else if (s.phase() == Phase.CREATED) {
            throw new ContainerError(name, "stop", "is being set up by an engine; stop that engine (Ctrl-C) instead");
        } else if (s.phase() == Phase.DEAD) {
            throw monitorDied(name);
        }
        return settle(s, exit);
    }

    /**
     * Waits until the command has ended and the teardown is over; how it ended (as last seen: with --rm the
     * record goes with the teardown).
     */
    private Optional<Exit> settle(ContainerState s, Optional<Exit> seen) throws ContainerError {
        long deadline = System.currentTimeMillis() + 60_000;
        boolean tornDownHere = false;
        while (!s.settled()) {
            if (seen.isEmpty()) {
                seen = s.exit();
            }
            if (seen.isPresent() && !tornDownHere) {
                // The command has ended: tear down from here rather than wait for the monitor's cleanup, a JVM
                // still starting (~100 ms). Under the container's lock, whichever comes first does it, once.
                tornDownHere = true;
                tearDownEnded(s);
                continue;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new ContainerError(s.name(), "stop", "still not torn down after 60 s (see contain logs " + s.name() + ")");
            }
            pause();
        }
        Optional<Exit> now = s.exit();
        return now.isPresent() ? now : seen;
    }

    private static ContainerError monitorDied(String name) {
        return new ContainerError(name, "stop", "its monitor (or its engine) died; 'contain rm " + name + "' or 'contain gc' cleans it up");
    }

    /**
     * The exit, if the command ends within {@code millis} (or the folder went: a foreground run's engine removed it).
     * Without a limit ({@link #NO_LIMIT}) the wait also ends when the folder's owner dies: no exit will come.
     */
    private static Optional<Exit> ended(ContainerState s, long millis) {
        long deadline = millis == NO_LIMIT ? Long.MAX_VALUE : System.currentTimeMillis() + millis;
        while (true) {
            Optional<Exit> exit = s.exit();
            if (exit.isPresent() || !s.exists() || System.currentTimeMillis() >= deadline) {
                return exit;
            }
            if (millis == NO_LIMIT && !s.ownerAlive()) { // its monitor died: no exit will be recorded
                return s.exit();
            }
            pause();
        }
    }

    /** Waits for the command to end; how it ended. */
    public Exit await(String name) throws ContainerError {
        ContainerState s = existing(name);
        while (true) {
            Optional<Exit> exit = s.exit();
            if (exit.isPresent()) {
                return exit.get();
            }
            if (!s.exists()) {
                throw new ContainerError(name, "wait", "it ended and its engine removed it (a foreground run reports its own status)");
            }
            if (s.phase() == Phase.DEAD) {
                throw new ContainerError(name, "wait", "its monitor (or its engine) died without recording an exit; 'contain rm " + name + "' cleans it up");
            }
            pause();
        }
    }

    /** Removes a container that has ended (with {@code force}, a running one is killed first). */
    public void remove(String name, boolean force) throws ContainerError {
        ContainerState s = existing(name);
        Phase phase = s.phase();
        if (phase == Phase.CREATED) {
            throw new ContainerError(name, "rm", "is being set up by a running engine");
        }
        if (phase == Phase.RUNNING) {
            if (!force) {
                throw new ContainerError(name, "rm", "is running; stop it first, or use rm -f");
            }
            Status status = s.status().orElseThrow();
            if (!status.detached()) {
                throw new ContainerError(name, "rm", "runs in the foreground of an engine; stop it (contain stop " + name + ")");
            }
            try {
                kernel.signal(config.dataRoot(), status.firstProcess(), Signals.SIGKILL);
            } catch (IOException e) {
                throw new ContainerError(name, "rm", e.getMessage());
            }
            settle(s, Optional.empty());
        } else if (phase == Phase.EXITED) {
            settle(s, Optional.empty()); // the teardown may still run
        }
        List<String> failures = undo(s);
        if (!failures.isEmpty()) {
            throw new ContainerError(name, "rm", "could not undo " + String.join("; ", failures) + "; 'contain gc' will retry");
        }
    }

    /** Undoes what the journal still holds, the state folder last, under the container's lock. */
    private List<String> undo(ContainerState s) throws ContainerError {
        try {
            Optional<ContainerState.Lock> lock = s.lock();
            if (lock.isEmpty()) {
                return List.of(); // removed meanwhile by another rm
            }
            try (ContainerState.Lock held = lock.get()) {
                List<String> failures = Journal.load(s.dir()).undoAll(kernel);
                if (failures.isEmpty()) {
                    kernel.deleteTree(s.dir()); // a record with no journal line of its own
                }
                return failures;
            }
        } catch (IOException e) {
            throw new ContainerError(s.name(), "rm", e.getMessage());
        }
    }

    /**
     * The teardown of a detached container whose command has ended, run by its monitor (exec'd, so this
     * process is still the state folder's owner): everything in the journal but the state folder, which
     * stays as the exited container's record (with --rm it goes too). Returns what could not be undone.
     */
    public List<String> cleanup(String name) throws ContainerError {
        Optional<ContainerState> s = found(name); // absent: a stop or rm -f tore it down (with --rm, removed it) first
        return s.isEmpty() ? List.of() : tearDownEnded(s.get());
    }

    /** The teardown of a container whose command has ended, once, under its lock (see {@link #cleanup}). */
    private List<String> tearDownEnded(ContainerState s) throws ContainerError {
        try {
            Optional<ContainerState.Lock> lock = s.lock();
            if (lock.isEmpty()) {
                return List.of();
            }
            try (ContainerState.Lock held = lock.get()) {
                if (s.tornDown()) {
                    return List.of();
                }
                boolean remove = s.status().map(Status::autoRemove).orElse(false);
                List<String> failures = Journal.load(s.dir()).undoAll(kernel, !remove);
                if (failures.isEmpty() && !remove) {
                    s.markTornDown();
                }
                return failures;
            }
        } catch (IOException e) {
            throw new ContainerError(s.name(), "teardown", e.getMessage());
        }
    }

    /**
     * Runs a process in a running container (see {@link Exec}): in all of its namespaces and cgroups, confined
     * as its command is (the plan its first process was given, kept in its state folder). {@code onStart}
     * receives the exec before it starts, to forward signals. How the process ended.
     */
    public RunResult exec(String name, ExecOptions options, java.util.function.Consumer<? super Exec> onStart) throws ContainerError {
        ContainerState s = existing(name);
        Status status = running(s);
        byte[] stored = s.initPlan().orElseThrow(() -> new ContainerError(name, "exec", "its state folder has no init-plan (started by an older engine?)"));
        ProcessStamp pid1 = status.firstProcess();
        if (!pid1.alive(kernel)) { // the init checks it again, through its pidfd: this is for the message, and the user lookup
            throw new ContainerError(name, "exec", "is not running (its process " + status.pid() + " has ended)");
        }
        List<InitMessage> container = storedPlan(name, stored);
        ExecPlan plan = ExecPlanner.plan(name, InitPlan.process(container), pid1, options, Path.of("/proc", Long.toString(status.pid()), "root"));
        Exec exec = new Exec(name);
        onStart.accept(exec);
        TerminalGuard terminal = plan.terminal() != null && plan.stdin() ? TerminalGuard.start(kernel, config.dataRoot()) : null; // raw only with -i
        return exec.run(config.dataRoot(), InitPlan.exec(container, plan), plan.detach(), terminal, null);
    }

    /** The container's log files, oldest first (run -d only). */
    public List<Path> logs(String name) throws ContainerError {
        ContainerState s = existing(name);
        if (!s.status().map(Status::detached).orElse(true)) {
            throw new ContainerError(name, "logs", "runs in the foreground: its output goes to its engine's terminal");
        }
        return List.of(s.file(ContainerState.LOG + ".1"), s.file(ContainerState.LOG));
    }

    /** The plan the init was given, as entries of key and fields (for inspect). */
    public List<List<String>> initPlan(String name) throws ContainerError {
        List<List<String>> entries = new ArrayList<>();
        for (InitMessage m : storedPlan(name, existing(name).initPlan().orElse(null))) {
            List<String> entry = new ArrayList<>(List.of(m.key()));
            if (m instanceof InitMessage.Seccomp s) { // the filter as its size, not kilobytes of hex
                entry.addAll(List.of(Integer.toUnsignedString(s.filter().flags()), "(" + s.filter().instructions() + " BPF instructions)"));
            } else {
                entry.addAll(m.fields());
            }
            entries.add(entry);
        }
        return entries;
    }

    /** The plan a container's init was given, read back from its state folder (none: empty). */
    static List<InitMessage> storedPlan(String name, byte[] stored) throws ContainerError {
        try {
            return stored == null ? List.of() : InitCodec.decode(stored);
        } catch (IllegalArgumentException e) {
            throw new ContainerError(name, "state", "its state folder's init-plan cannot be read: " + e.getMessage());
        }
    }

    /** "running", "exited (0) 5 s ago", ... */
    public static String describe(Phase phase, Optional<Exit> exit) {
        return switch (phase) {
            case CREATED -> "created";
            case RUNNING -> "running";
            case DEAD -> "dead (its monitor or engine died; contain gc)"; // run -d's monitor, or a foreground run's engine
            case EXITED -> exit.map(e -> "exited (" + e.exitCode() + ") " + ago(e.finishedMillis())).orElse("exited");
        };
    }

    public static String ago(long millis) {
        long s = Math.max(0, (System.currentTimeMillis() - millis) / 1000);
        return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s / 3600 + " h ago";
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
