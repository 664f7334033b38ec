package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.contain.runtime.cgroup.CgroupControl;
import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.engine.Engine;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.engine.RunResult;
import dev.contain.runtime.engine.Launch;
import dev.contain.runtime.json.JsonReader;
import dev.contain.runtime.json.JsonWriter;
import dev.contain.runtime.stage.RunHooks;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.plan.Terminal;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The OCI runtime's lifecycle on bundles (runc's create, start, state, kill, delete, run, list), on the
 * engine's API: a config.json becomes a plan ({@link OciPlanner}), which {@link Engine#create} sets up and leaves
 * waiting at its exec fifo. A container's state folder is {@code ROOT/ID} (the engine's journal, the pid file,
 * the fifo) plus {@code oci.json}, this front end's record (bundle, annotations, creation time), written by
 * rename once the container is created: without it the container is still being created.
 */
public final class OciRuntime {
    public static final String OCI_VERSION = "1.0.2";
    private static final String RECORD = "oci.json";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public enum Status {
        CREATING, CREATED, RUNNING, PAUSED, STOPPED;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The OCI state of a container (runtime-spec's state, with runc's created time). */
    public record State(String id, Status status, long pid, Path bundle, Path rootfs, String created, Map<String, String> annotations) {
        public String json() {
            return json(status.text());
        }

        /** As a hook reads it: {@code status} as its kind says (see {@link OciHooks.Kind#status}). */
        public String json(String status) {
            ObjectNode o = NODES.objectNode();
            o.put("ociVersion", OCI_VERSION);
            o.put("id", id);
            o.put("pid", pid);
            o.put("status", status);
            o.put("bundle", bundle == null ? "" : bundle.toString());
            o.put("rootfs", rootfs == null ? "" : rootfs.toString());
            o.put("created", created);
            o.put("owner", "");
            ObjectNode a = o.putObject("annotations");
            annotations.forEach(a::put);
            return JsonWriter.pretty(o);
        }

        /** The state create-time hooks read, before anything is recorded. */
        static State forHooks(String id, Path bundle, Path rootfs, Map<String, String> annotations) {
            return new State(id, Status.CREATING, 0, bundle, rootfs, "", annotations);
        }

        State withPid(long pid) {
            return new State(id, status, pid, bundle, rootfs, created, annotations);
        }
    }

    private final Engine engine;
    private final Path root;
    private final java.util.function.Consumer<String> warnings;

    /** {@code engine}: its run root is the OCI root, where the containers' state folders are. Warnings go to stderr. */
    public OciRuntime(Engine engine) {
        this(engine, System.err::println);
    }

    /** {@code warnings}: what failed but fails nothing (a poststart or poststop hook), one line each. */
    public OciRuntime(Engine engine, java.util.function.Consumer<String> warnings) {
        this.engine = engine;
        this.root = engine.config().runRoot();
        this.warnings = warnings;
    }

    /**
     * The hooks the engine carries out: prestart and createRuntime at the sync point, startContainer's in the
     * container's process, and (OCI run) poststart once the command runs.
     */
    private RunHooks engineHooks(String id, OciHooks hooks, State state) {
        return new RunHooks(pid -> {
            hooks.run(engine.config().dataRoot(), id, OciHooks.Kind.PRESTART, state.withPid(pid));
            hooks.run(engine.config().dataRoot(), id, OciHooks.Kind.CREATE_RUNTIME, state.withPid(pid));
        }, hooks.forInit(OciHooks.Kind.START_CONTAINER, state),
                pid -> hooks.runAll(engine.config().dataRoot(), id, OciHooks.Kind.POSTSTART, state.withPid(pid)).forEach(warnings));
    }

    /**
     * Descriptors passed to the command as runc passes them: {@code listen} socket-activation ones (the caller's
     * LISTEN_FDS, for this process) first, then {@code preserve} more (--preserve-fds), from descriptor 3 on.
     */
    public record Fds(int listen, int preserve) {
        public static final Fds NONE = new Fds(0, 0);

        int total() {
            return listen + preserve;
        }
    }

    /**
     * Creates the container and leaves its process waiting before exec; its pid goes to {@code pidFile} (if any).
     * With process.terminal, the pty made inside has its master sent to {@code consoleSocket} (which it then needs);
     * {@code fds}: the descriptors passed on.
     */
    public long create(String id, Path bundle, Path pidFile, Path consoleSocket, Fds fds, boolean newKeyring, Progress progress)
            throws ContainerError {
        check(id);
        if (Files.exists(root.resolve(id))) {
            throw new ContainerError(id, "create", "a container with this id exists already");
        }
        Path b = bundle.toAbsolutePath().normalize();
        JsonNode config = OciPlanner.read(id, b);
        OciProcess p = OciPlanner.process(id, config);
        Terminal terminal = OciExec.terminal(id, "create", p.terminal(), true, consoleSocket, p.rows(), p.cols());
        Plan plan = new OciPlanner(engine.config(), engine.cgroups(id)).plan(id, b, config, fds.listen(), newKeyring);
        OciHooks hooks = OciHooks.of(id, config.get("hooks"));
        State hookState = State.forHooks(id, b, plan.rootfs(), OciPlanner.annotations(id, config));
        ProcessStamp process;
        try {
            process = engine.create(plan, new Launch(terminal, engineHooks(id, hooks, hookState), fds.total()), progress);
        } catch (ContainerError e) { // the lifecycle goes on at delete (runtime-spec): the container is gone, poststop runs
            hooks.runAll(engine.config().dataRoot(), id, OciHooks.Kind.POSTSTOP, hookState).forEach(warnings);
            throw e;
        }
        try {
            record(id, plan, b, config);
            if (pidFile != null) {
                writeAtomically(pidFile.toAbsolutePath(), Long.toString(process.pid()));
            }
        } catch (IOException e) {
            engine.destroy(plan.stateDir());
            throw new ContainerError(id, "create", "cannot record the container: " + e.getMessage());
        }
        return process.pid();
    }

    /** This front end's record of a container (oci.json): without it, `state` says it is being created. */
    private static void record(String id, Plan plan, Path bundle, JsonNode config) throws IOException, ContainerError {
        ObjectNode record = NODES.objectNode();
        record.put("bundle", bundle.toString());
        record.put("rootfs", plan.rootfs().toString());
        record.put("created", Instant.now().toString());
        ObjectNode a = record.putObject("annotations");
        OciPlanner.annotations(id, config).forEach(a::put);
        if (config.has("hooks")) { // poststart and poststop run after create's process is gone
            record.set("hooks", config.get("hooks"));
        }
        writeAtomically(plan.stateDir().resolve(RECORD), JsonWriter.pretty(record));
    }

    /**
     * create + start + wait, and the container deleted at its end, as runc's run: its exit code. Its record is
     * written once its state folder exists and the pid file once its process does, so `state` from elsewhere
     * sees it (running once its process is), as runc's does.
     */
    public RunResult run(String id, Path bundle, Path pidFile, Fds fds, boolean newKeyring, Progress progress) throws ContainerError {
        check(id);
        if (Files.exists(root.resolve(id))) {
            throw new ContainerError(id, "run", "a container with this id exists already");
        }
        Path b = bundle.toAbsolutePath().normalize();
        JsonNode config = OciPlanner.read(id, b);
        Plan plan = new OciPlanner(engine.config(), engine.cgroups(id)).plan(id, b, config, fds.listen(), newKeyring);
        OciProcess p = OciPlanner.process(id, config);
        Terminal terminal = OciExec.terminal(id, "run", p.terminal(), false, null, p.rows(), p.cols());
        OciHooks hooks = OciHooks.of(id, config.get("hooks"));
        State state = State.forHooks(id, b, plan.rootfs(), OciPlanner.annotations(id, config));
        dev.contain.runtime.engine.Container[] container = new dev.contain.runtime.engine.Container[1];
        Progress recording = new Progress() {
            @Override public void info(String line) { progress.info(line); }
            @Override public void warn(String line) { progress.warn(line); }
            @Override public void trace(String line) { progress.trace(line); }
            @Override public void stageDone(String stage, long nanos) {
                progress.stageDone(stage, nanos);
                try {
                    if (stage.equals("state")) {
                        record(id, plan, b, config);
                    } else if (stage.equals("namespaces") && pidFile != null) {
                        writeAtomically(pidFile.toAbsolutePath(), Long.toString(container[0].pid()));
                    }
                } catch (IOException | ContainerError e) {
                    progress.warn("contain-oci: " + id + ": cannot record the container: " + e.getMessage());
                }
            }
        };
        try {
            return engine.run(plan, new Launch(terminal, engineHooks(id, hooks, state), fds.total()), recording, c -> container[0] = c);
        } finally {
            hooks.runAll(engine.config().dataRoot(), id, OciHooks.Kind.POSTSTOP, state).forEach(warnings);
        }
    }

    /** Lets a created container's process exec its command: opens its exec fifo for reading, as runc start does. */
    public void start(String id) throws ContainerError {
        State s = state(id);
        if (s.status() != Status.CREATED) {
            throw new ContainerError(id, "start", "cannot start a container that is " + s.status().text());
        }
        Path dir = root.resolve(id);
        Path fifo = dir.resolve(Engine.EXEC_FIFO);
        ProcessStamp process = engine.firstProcess(dir).orElseThrow();
        // the process waits in open(O_WRONLY): this open meets it at once. Should it die meanwhile, the open would
        // wait for ever: a watchdog then opens the fifo for writing itself, and the read finds no byte.
        Thread watchdog = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(100);
                    if (!engine.running(process)) {
                        try (FileOutputStream unblock = new FileOutputStream(fifo.toFile())) {
                            return;
                        }
                    }
                }
            } catch (InterruptedException | IOException e) {
                // the start went on
            }
        }, "start-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int b;
        try (InputStream in = new FileInputStream(fifo.toFile())) {
            b = in.read();
        } catch (IOException e) {
            throw new ContainerError(id, "start", "cannot open the exec fifo " + fifo + ": " + e.getMessage());
        } finally {
            watchdog.interrupt();
        }
        try {
            Files.deleteIfExists(fifo);
        } catch (IOException e) {
            throw new ContainerError(id, "start", "cannot remove the exec fifo " + fifo + ": " + e.getMessage());
        }
        OciHooks hooks = hooks(id);
        if (b != '0') {
            throw new ContainerError(id, "start", "the container's process ended before its command started"
                    + (hooks.of(OciHooks.Kind.START_CONTAINER).isEmpty() ? "" : " (a startContainer hook failed: see the container's stderr)"));
        }
        hooks.runAll(engine.config().dataRoot(), id, OciHooks.Kind.POSTSTART, s).forEach(warnings);
    }

    /** The hooks recorded at create. */
    private OciHooks hooks(String id) throws ContainerError {
        Path record = root.resolve(id).resolve(RECORD);
        try {
            return Files.exists(record) ? OciHooks.of(id, JsonReader.read(record).get("hooks")) : OciHooks.NONE;
        } catch (IOException e) {
            throw new ContainerError(id, "hooks", "cannot read " + record + ": " + e.getMessage());
        }
    }

    /**
     * A process in a created or running container (runc's exec). Without --detach, how it ended; with it, exit
     * code 0 once it runs, its pid in the pid file, and the process left to the caller's subreaper.
     */
    public RunResult exec(String id, OciExec exec, java.util.function.Consumer<dev.contain.runtime.engine.Exec> onStart)
            throws ContainerError {
        State s = state(id);
        if (s.status() != Status.CREATED && s.status() != Status.RUNNING) {
            throw new ContainerError(id, "exec", "cannot exec in a " + s.status().text() + " container");
        }
        dev.contain.runtime.plan.ExecProcess process = exec.process(id);
        try {
            return engine.exec(root.resolve(id), process, onStart, pid -> {
                if (exec.pidFile() != null) {
                    try {
                        writeAtomically(exec.pidFile().toAbsolutePath(), Long.toString(pid));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
        } catch (java.io.UncheckedIOException e) { // the process was killed: it was not released
            throw new ContainerError(id, "exec", "cannot write the pid file " + exec.pidFile() + ": " + e.getCause().getMessage());
        }
    }

    public State state(String id) throws ContainerError {
        check(id);
        Path dir = root.resolve(id);
        if (!Files.isDirectory(dir)) {
            throw new ContainerError(id, null, "container does not exist");
        }
        Optional<ProcessStamp> process = engine.firstProcess(dir);
        Path record = dir.resolve(RECORD);
        if (!Files.exists(record) || process.isEmpty()) { // run: recorded before its process exists
            return new State(id, Status.CREATING, process.map(ProcessStamp::pid).orElse(0L), null, null, "", Map.of());
        }
        JsonNode r;
        try {
            r = JsonReader.read(record);
        } catch (IOException e) {
            throw new ContainerError(id, "state", "cannot read " + record + ": " + e.getMessage());
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        r.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        boolean alive = process.isPresent() && engine.running(process.get());
        // a frozen container is paused whether or not its command started (as runc says): a created one that was
        // paused and reported "created" could never be resumed, and start would wait for it for ever
        Status status = !alive ? Status.STOPPED : cgroup(id).frozen() ? Status.PAUSED
                : Files.exists(dir.resolve(Engine.EXEC_FIFO)) ? Status.CREATED : Status.RUNNING;
        return new State(id, status, alive ? process.get().pid() : 0, Path.of(r.path("bundle").asText()),
                Path.of(r.path("rootfs").asText()), r.path("created").asText(), annotations);
    }

    /** The containers under the root, by id. */
    public List<State> list() throws ContainerError {
        List<State> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (var dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                String id = d.getFileName().toString();
                if (Files.isDirectory(d) && ID.matcher(id).matches()) {
                    out.add(state(id));
                }
            }
        } catch (IOException e) {
            throw new ContainerError("list", null, "cannot list " + root + ": " + e.getMessage());
        }
        return out;
    }

    /** A signal to the container's first process (through a pidfd); it must be created, running or paused. */
    public void kill(String id, int signal) throws ContainerError {
        State s = state(id);
        if (s.status() != Status.CREATED && s.status() != Status.RUNNING && s.status() != Status.PAUSED) {
            throw new ContainerError(id, "kill", "container not running (" + s.status().text() + ")");
        }
        try {
            ProcessStamp p = engine.firstProcess(root.resolve(id)).orElseThrow();
            if (!engine.signal(p, signal)) {
                throw new ContainerError(id, "kill", "container not running");
            }
        } catch (IOException e) {
            throw new ContainerError(id, "kill", e.getMessage());
        }
    }

    /** Removes a stopped or created container; a running or paused one only with {@code force} (it is killed first). */
    public void delete(String id, boolean force) throws ContainerError {
        State s = state(id);
        if ((s.status() == Status.RUNNING || s.status() == Status.PAUSED) && !force) {
            throw new ContainerError(id, "delete", "cannot delete a " + s.status().text() + " container (use --force)");
        }
        if (s.status() == Status.PAUSED) { // killed, then thawed: a frozen process dies only once it runs
            killAll(id, 9);
        }
        OciHooks hooks = hooks(id);
        List<String> failures = engine.destroy(root.resolve(id)); // kills what still runs in it
        if (!failures.isEmpty()) {
            throw new ContainerError(id, "delete", "could not undo " + String.join("; ", failures));
        }
        hooks.runAll(engine.config().dataRoot(), id, OciHooks.Kind.POSTSTOP, s.withPid(0)).forEach(warnings);
    }

    /** The container's cgroup as its journal records it, to act on. */
    private record Cgroup(String id, CgroupControl control, List<CgroupPlan.Dir> dirs) {
        boolean frozen() {
            return control.frozen(dirs);
        }
    }

    private Cgroup cgroup(String id) throws ContainerError {
        CgroupControl control = engine.cgroupControl(id);
        return new Cgroup(id, control, control.dirs(engine.cgroupDirs(root.resolve(id))));
    }

    /** The pids of every process in the container's cgroup (ps). */
    public List<Long> pids(String id) throws ContainerError {
        state(id);
        try {
            Cgroup c = cgroup(id);
            return c.control().pids(c.dirs());
        } catch (IOException e) {
            throw new ContainerError(id, "ps", "cannot list the container's processes: " + e.getMessage());
        }
    }

    /** Freezes every process of a created or running container. */
    public void pause(String id) throws ContainerError {
        State s = state(id);
        if (s.status() != Status.RUNNING && s.status() != Status.CREATED) {
            throw new ContainerError(id, "pause", "container not running or created (" + s.status().text() + ")");
        }
        Cgroup c = cgroup(id);
        c.control().freeze(id, c.dirs());
    }

    public void resume(String id) throws ContainerError {
        State s = state(id);
        if (s.status() != Status.PAUSED) {
            throw new ContainerError(id, "resume", "container not paused (" + s.status().text() + ")");
        }
        Cgroup c = cgroup(id);
        c.control().thaw(id, c.dirs());
    }

    /** A signal to every process in the container's cgroup (kill --all); SIGKILL to a paused one thaws it, so they die. */
    public void killAll(String id, int signal) throws ContainerError {
        state(id);
        Cgroup c = cgroup(id);
        try {
            List<Long> pids = c.control().pids(c.dirs());
            if (pids.isEmpty()) {
                throw new ContainerError(id, "kill", "container not running (no process in its cgroup)");
            }
            for (long pid : pids) {
                engine.signal(pid, signal);
            }
        } catch (IOException e) {
            throw new ContainerError(id, "kill", e.getMessage());
        }
        if (signal == 9 && c.frozen()) {
            c.control().thaw(id, c.dirs());
        }
    }

    /**
     * New limits for a created, running or paused container (runc's update): {@code resources} is a
     * linux.resources object; the limits it gives change, the others stay. What the engine cannot set is refused
     * by name, as at create; so are device rules. -1 removes a memory, swap, pids or cpu quota limit.
     */
    public void update(String id, JsonNode resources) throws ContainerError {
        State s = state(id);
        if (s.status() == Status.STOPPED) {
            throw new ContainerError(id, "update", "container not running (stopped)");
        }
        if (!resources.isObject()) {
            throw new ContainerError(id, "update", "the resources are not a JSON object");
        }
        if (resources.has("devices")) {
            throw new ContainerError(id, "update", "resources.devices: device rules cannot be changed by update");
        }
        CgroupPlanner cgroups = engine.cgroups(id);
        OciResources.Result r = OciResources.read(new Node(id, "update", "resources", resources), cgroups, true);
        Cgroup c = cgroup(id);
        c.control().apply(id, cgroups.updates(id, c.dirs(), r.limits()));
    }

    private static void check(String id) throws ContainerError {
        if (!ID.matcher(id).matches()) {
            throw new ContainerError(id, null, "invalid container id (letters, digits, _ . + -; up to 128)");
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
