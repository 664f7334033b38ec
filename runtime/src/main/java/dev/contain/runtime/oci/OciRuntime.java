package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.engine.Engine;
import dev.contain.runtime.engine.Progress;
import dev.contain.runtime.engine.RunResult;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.plan.Plan;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Status {
        CREATING, CREATED, RUNNING, STOPPED;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The OCI state of a container (runtime-spec's state, with runc's created time). */
    public record State(String id, Status status, long pid, Path bundle, Path rootfs, String created, Map<String, String> annotations) {
        public String json() {
            ObjectNode o = JSON.createObjectNode();
            o.put("ociVersion", OCI_VERSION);
            o.put("id", id);
            o.put("pid", pid);
            o.put("status", status.text());
            o.put("bundle", bundle == null ? "" : bundle.toString());
            o.put("rootfs", rootfs == null ? "" : rootfs.toString());
            o.put("created", created);
            o.put("owner", "");
            ObjectNode a = o.putObject("annotations");
            annotations.forEach(a::put);
            return o.toPrettyString();
        }
    }

    private final Engine engine;
    private final Path root;

    /** {@code engine}: its run root is the OCI root, where the containers' state folders are. */
    public OciRuntime(Engine engine) {
        this.engine = engine;
        this.root = engine.config().runRoot();
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

    /** Creates the container and leaves its process waiting before exec; its pid goes to {@code pidFile} (if any). */
    public long create(String id, Path bundle, Path pidFile, Progress progress) throws ContainerError {
        return create(id, bundle, pidFile, Fds.NONE, progress);
    }

    public long create(String id, Path bundle, Path pidFile, Fds fds, Progress progress) throws ContainerError {
        check(id);
        if (Files.exists(root.resolve(id))) {
            throw new ContainerError(id, "create", "a container with this id exists already");
        }
        Path b = bundle.toAbsolutePath().normalize();
        JsonNode config = OciPlanner.read(id, b);
        Plan plan = new OciPlanner(engine.config(), engine.cgroups(id)).plan(id, b, config, fds.listen());
        ProcessStamp process = engine.create(plan, fds.total(), progress);
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
        ObjectNode record = JSON.createObjectNode();
        record.put("bundle", bundle.toString());
        record.put("rootfs", plan.rootfs().toString());
        record.put("created", Instant.now().toString());
        ObjectNode a = record.putObject("annotations");
        OciPlanner.annotations(id, config).forEach(a::put);
        writeAtomically(plan.stateDir().resolve(RECORD), record.toPrettyString());
    }

    /**
     * create + start + wait, and the container deleted at its end, as runc's run: its exit code. Its record is
     * written once its state folder exists and the pid file once its process does, so `state` from elsewhere
     * sees it (running once its process is), as runc's does.
     */
    public RunResult run(String id, Path bundle, Path pidFile, Fds fds, Progress progress) throws ContainerError {
        check(id);
        if (Files.exists(root.resolve(id))) {
            throw new ContainerError(id, "run", "a container with this id exists already");
        }
        Path b = bundle.toAbsolutePath().normalize();
        JsonNode config = OciPlanner.read(id, b);
        Plan plan = new OciPlanner(engine.config(), engine.cgroups(id)).plan(id, b, config, fds.listen());
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
        return engine.run(plan, fds.total(), recording, c -> container[0] = c);
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
        if (b != '0') {
            throw new ContainerError(id, "start", "the container's process ended before its command started");
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
            r = JSON.readTree(record.toFile());
        } catch (IOException e) {
            throw new ContainerError(id, "state", "cannot read " + record + ": " + e.getMessage());
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        r.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        boolean alive = process.isPresent() && engine.running(process.get());
        Status status = !alive ? Status.STOPPED : Files.exists(dir.resolve(Engine.EXEC_FIFO)) ? Status.CREATED : Status.RUNNING;
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

    /** A signal to the container's first process (through a pidfd); it must be created or running. */
    public void kill(String id, int signal) throws ContainerError {
        State s = state(id);
        if (s.status() != Status.CREATED && s.status() != Status.RUNNING) {
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

    /** Removes a stopped or created container; a running one only with {@code force} (it is killed first). */
    public void delete(String id, boolean force) throws ContainerError {
        State s = state(id);
        if (s.status() == Status.RUNNING && !force) {
            throw new ContainerError(id, "delete", "cannot delete a running container (use --force)");
        }
        List<String> failures = engine.destroy(root.resolve(id)); // kills what still runs in it
        if (!failures.isEmpty()) {
            throw new ContainerError(id, "delete", "could not undo " + String.join("; ", failures));
        }
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
