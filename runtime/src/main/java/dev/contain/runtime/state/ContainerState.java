package dev.contain.runtime.state;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.ProcessStamp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A container's state folder, {@code <run root>/NAME}: the one place that knows its files.
 * <pre>
 *   engine     owner: "pid starttime" of the engine, then of the monitor (run -d), whose exec'd teardown keeps both
 *   pid        the container's first process, "pid starttime"
 *   journal    the undo records (stage.Journal)
 *   status     what ps and inspect show (Status), in place once the command has started
 *   init-plan  the plan the init was given, as the init reads it (inspect shows it)
 *   exec-plan  the plan of contain exec NAME -- CMD without its argv, for the native fast path (root's, 0600: the
 *              init's fast-exec mode refuses it otherwise); removed at the teardown, with the folder at rm
 *   log, log.1 the command's output of a detached container, written by its monitor
 *   exit       how the command ended (Exit), written by the monitor
 *   torn-down  the teardown is done: only this record is left, until rm
 *   lock       one lock per container: teardown and removal take it
 * </pre>
 * Every file a reader may see while it changes is written beside and renamed into place.
 */
public final class ContainerState {
    public static final String OWNER = "engine", PID = "pid", JOURNAL = "journal", STATUS = "status", INIT_PLAN = "init-plan", EXEC_PLAN = "exec-plan",
            LOG = "log", EXIT = "exit", TORN_DOWN = "torn-down", LOCK = "lock";

    /** What ps shows: set up by a live engine, running, exited, or dead (its owner died without an exit). */
    public enum Phase { CREATED, RUNNING, EXITED, DEAD }

    private final Path dir;
    private final Kernel kernel;

    private ContainerState(Path dir, Kernel kernel) {
        this.dir = dir;
        this.kernel = kernel;
    }

    public static ContainerState of(Path runRoot, String name, Kernel kernel) {
        return new ContainerState(runRoot.resolve(name), kernel);
    }

    /** The state folder of a plan's container. */
    public static ContainerState at(Path stateDir, Kernel kernel) {
        return new ContainerState(stateDir, kernel);
    }

    /** Every container in the run root, by name (dot names are the engine's own files). */
    public static List<ContainerState> all(Path runRoot, Kernel kernel) throws IOException {
        List<ContainerState> all = new ArrayList<>();
        for (Path p : kernel.list(runRoot)) {
            if (!p.getFileName().toString().startsWith(".") && Files.isDirectory(p)) {
                all.add(new ContainerState(p, kernel));
            }
        }
        all.sort((a, b) -> a.name().compareTo(b.name()));
        return all;
    }

    public String name() {
        return dir.getFileName().toString();
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public boolean exists() {
        return Files.isDirectory(dir);
    }

    public Optional<Status> status() {
        return read(STATUS).map(Status::decode);
    }

    public Optional<Exit> exit() {
        return read(EXIT).flatMap(Exit::parse);
    }

    public Optional<ProcessStamp> owner() {
        return ProcessStamp.read(kernel, file(OWNER));
    }

    public boolean ownerAlive() {
        return owner().map(o -> o.alive(kernel)).orElse(false);
    }

    public boolean tornDown() {
        return Files.exists(file(TORN_DOWN));
    }

    public Phase phase() {
        if (exit().isPresent()) {
            return Phase.EXITED;
        }
        if (!ownerAlive()) {
            return tornDown() ? Phase.EXITED : Phase.DEAD;
        }
        return status().isPresent() ? Phase.RUNNING : Phase.CREATED;
    }

    /** The command has ended and its teardown is over (or the folder is gone). */
    public boolean settled() {
        return !exists() || tornDown() || (exit().isPresent() && !ownerAlive());
    }

    /**
     * A new owner (run -d's monitor) written beside its name while the init starts the command; {@link #publishOwner}
     * puts it in place once the command runs, before the engine hands the container over and goes.
     */
    public void stageOwner(ProcessStamp owner) throws IOException {
        writeBeside(OWNER, owner.line().getBytes(StandardCharsets.US_ASCII), TRUNCATING);
    }

    public void publishOwner() throws IOException {
        moveIntoPlace(OWNER);
    }

    public void markTornDown() throws IOException {
        Files.deleteIfExists(file(EXEC_PLAN)); // an ended container has nothing to exec into: the fast path finds no plan
        replace(TORN_DOWN, new byte[0]);
    }

    public Optional<byte[]> initPlan() {
        try {
            return Optional.of(Files.readAllBytes(file(INIT_PLAN)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void writeInitPlan(byte[] plan) throws IOException {
        replace(INIT_PLAN, plan);
    }

    /**
     * A started container's plans (init-plan, exec-plan) and status, written beside their names while the init
     * starts the command, so the start does not wait for the writes; {@link #publishStarted} puts them in place
     * once the command runs. Until then ps sees a created container and a fast exec finds no plan, as it must:
     * before its pivot_root the container's mount namespace still shows the host's files. The exec plan is
     * written 0600 (see the class comment), its temporary made anew with that mode (one writer: the start), never
     * readable by others, not even while it is written.
     */
    public void stageStarted(byte[] initPlan, byte[] execPlan, Status status) throws IOException {
        writeBeside(INIT_PLAN, initPlan, TRUNCATING);
        stageStatus(status);
        Files.deleteIfExists(beside(EXEC_PLAN));
        writeBeside(EXEC_PLAN, execPlan, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    }

    /** The status to publish, written anew (a start that waited for hooks stamps its start time after them). */
    public void stageStatus(Status status) throws IOException {
        writeBeside(STATUS, status.encode().getBytes(StandardCharsets.UTF_8), TRUNCATING);
    }

    /**
     * The command runs: what {@link #stageStarted} wrote goes in place. The status before the exec plan, so a
     * fast exec never finds a container ps would still call created.
     */
    public void publishStarted() throws IOException {
        moveIntoPlace(INIT_PLAN);
        moveIntoPlace(STATUS);
        moveIntoPlace(EXEC_PLAN);
    }

    private static final java.util.Set<StandardOpenOption> TRUNCATING =
            java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);

    /** A new file beside, renamed over the old: a reader sees the old content or the new, never part. */
    void replace(String name, byte[] content) throws IOException {
        writeBeside(name, content, TRUNCATING);
        moveIntoPlace(name);
    }

    private Path beside(String name) {
        return file("." + name + ".new");
    }

    private void writeBeside(String name, byte[] content, java.util.Set<StandardOpenOption> options, java.nio.file.attribute.FileAttribute<?>... attrs)
            throws IOException {
        try (FileChannel out = FileChannel.open(beside(name), options, attrs)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        }
    }

    private void moveIntoPlace(String name) throws IOException {
        Files.move(beside(name), file(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Optional<String> read(String name) {
        try {
            return Optional.of(Files.readString(file(name), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The container's lock (a lock file in its folder), or empty when the folder is gone, also when it was
     * removed while this waited: whoever held the lock removed the container.
     */
    public Optional<Lock> lock() throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        FileLock lock = channel.lock();
        if (!Files.exists(file(LOCK))) {
            lock.release();
            channel.close();
            return Optional.empty();
        }
        return Optional.of(new Lock(channel));
    }

    /** Held until closed. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;

        private Lock(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
