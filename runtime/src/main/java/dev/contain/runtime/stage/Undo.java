package dev.contain.runtime.stage;

import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One thing a stage made on the host, written to the container's journal before it is made, so it can be
 * undone after a normal exit, a failure, Ctrl-C, or (by {@code contain gc}) after the engine itself died.
 * Every undo is idempotent: undoing what was never made, or is already gone, does nothing.
 */
public sealed interface Undo {
    void undo(Kernel kernel) throws IOException;

    /** One journal line: a kind word and its fields, separated by tabs. */
    String encode();

    /** A folder and everything under it (state folders, overlay upper and work). */
    record Tree(Path dir) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            kernel.deleteTree(dir);
        }

        @Override
        public String encode() {
            return "tree\t" + dir;
        }
    }

    /**
     * A process we started, known by pid and start time so a reused pid is never killed; killed through the
     * init in {@code dataRoot} (a pidfd), null in an older engine's journal line.
     */
    record Process(dev.contain.runtime.kernel.ProcessStamp process, Path dataRoot) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            if (process.pid() == ProcessHandle.current().pid()) {
                return; // a detached container's teardown runs in its monitor's process (exec'd): not killed by itself
            }
            kernel.killIfSame(dataRoot, process);
        }

        @Override
        public String encode() {
            return "process\t" + process.pid() + "\t" + process.startTime() + (dataRoot == null ? "" : "\t" + dataRoot);
        }
    }

    /** A container's cgroup: whatever still runs in it is killed, then it is removed. */
    record Cgroup(Path dir) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            dev.contain.runtime.cgroup.CgroupRemover.remove(kernel, dir);
        }

        @Override
        public String encode() {
            return "cgroup\t" + dir;
        }
    }

    /** The engine's shared parent cgroup: removed by whichever run leaves it empty. */
    record SharedCgroup(Path dir) implements Undo {
        @Override
        public void undo(Kernel kernel) {
            dev.contain.runtime.cgroup.CgroupRemover.removeIfEmpty(kernel, dir);
        }

        @Override
        public String encode() {
            return "shared-cgroup\t" + dir;
        }
    }

    /** The host end of a veth pair; deleting it deletes the pair. */
    record Link(String name) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            if (!kernel.hasLink(name)) {
                return; // the usual case: the pair went with the container's network namespace
            }
            try (var nl = kernel.openNetlink()) {
                nl.delete(name);
            } catch (dev.contain.runtime.kernel.NetlinkException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public String encode() {
            return "link\t" + name;
        }
    }

    /**
     * The container's addresses on a bridge. Recorded before the address is leased, so it names none:
     * undoing it releases whatever the container holds there (a name has one live run at a time).
     */
    record Lease(Path runRoot, String container, String bridge) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            new dev.contain.runtime.net.Leases(runRoot).release(container, bridge);
        }

        @Override
        public String encode() {
            return "lease\t" + runRoot + "\t" + container + "\t" + bridge;
        }
    }

    /**
     * A bridge this run began to make: if it does not exist when undone (the run failed or was killed before
     * making it), its isolation rules and record go; one that exists stays, like docker0.
     */
    record NewBridge(Path dataRoot, String bridge) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            try {
                new dev.contain.runtime.net.Bridges(kernel, dataRoot).abandonIfAbsent(bridge);
            } catch (dev.contain.runtime.kernel.NetlinkException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public String encode() {
            return "bridge\t" + dataRoot + "\t" + bridge;
        }
    }

    /** The id range a container holds (its user namespace's host ids), given back by the container's name. */
    record Ids(Path runRoot, String container) implements Undo {
        @Override
        public void undo(Kernel kernel) throws IOException {
            new dev.contain.runtime.ids.IdRanges(runRoot).release(container);
        }

        @Override
        public String encode() {
            return "ids\t" + runRoot + "\t" + container;
        }
    }

    static Undo decode(String line) {
        String[] f = line.split("\t");
        return switch (f[0]) {
            case "tree" -> new Tree(Path.of(f[1]));
            case "process" -> new Process(new dev.contain.runtime.kernel.ProcessStamp(Long.parseLong(f[1]), Long.parseLong(f[2])),
                    f.length > 3 ? Path.of(f[3]) : null);
            case "cgroup" -> new Cgroup(Path.of(f[1]));
            case "shared-cgroup" -> new SharedCgroup(Path.of(f[1]));
            case "link" -> new Link(f[1]);
            case "lease" -> new Lease(Path.of(f[1]), f[2], f[3]); // older journals add the address: ignored
            case "bridge" -> new NewBridge(Path.of(f[1]), f[2]);
            case "ids" -> new Ids(Path.of(f[1]), f[2]);
            default -> throw new IllegalArgumentException("unknown journal entry '" + f[0] + "'");
        };
    }
}
