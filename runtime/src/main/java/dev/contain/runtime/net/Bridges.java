package dev.contain.runtime.net;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.LockedFolder;
import dev.contain.runtime.kernel.Netlink;
import dev.contain.runtime.kernel.NetlinkException;
import dev.contain.runtime.kernel.TestHooks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Bridges the engine made, like docker0: created on first use with the gateway address, kept after the
 * containers leave, recorded in {@code <data root>/networks/<bridge>} (its gateway/prefix) so
 * `contain network ls` and `rm` know which are ours. Each has its {@link Isolation} rules, made before the
 * bridge and removed after it, so a bridge of ours never forwards to another. Bridges are made and removed
 * under the folder's lock ({@code networks/.lock}), so concurrent runs and removals see each other whole.
 */
public final class Bridges {
    private final Kernel kernel;
    private final LockedFolder folder;

    public Bridges(Kernel kernel, Path dataRoot) {
        this.kernel = kernel;
        this.folder = new LockedFolder(dataRoot.resolve("networks"), ".lock");
    }

    public record Entry(String name, String gateway) {}

    /** Called, under the lock, before a bridge is made: the run journals it (write-ahead). */
    public interface BeforeCreate {
        void run() throws IOException;
    }

    /**
     * The bridge's index, after creating it if it does not exist. The isolation of every recorded bridge is
     * (re)applied on every call, before this bridge exists: a ruleset flushed by another tool (a firewall
     * reload) is whole again at the next run.
     */
    public int ensure(Netlink nl, BridgeAttachment net, BeforeCreate beforeCreate) throws NetlinkException, IOException {
        return folder.<Integer, NetlinkException>locked(() -> {
            int index = nl.index(net.bridge());
            if (index == 0) {
                beforeCreate.run();
            }
            List<String> isolated = new ArrayList<>(names());
            if (!isolated.contains(net.bridge())) {
                isolated.add(net.bridge()); // new, or a bridge of that name made by someone else: isolated too
            }
            isolate(isolated);
            if (index == 0) {
                TestHooks.point("network:isolated");
                folder.replace(net.bridge(), net.subnet().withAddress(net.gateway()) + "\n");
                try {
                    nl.createBridge(net.bridge(), net.subnet().withAddress(net.gateway()).toString());
                } catch (NetlinkException e) {
                    if (nl.index(net.bridge()) == 0) {
                        throw e;
                    } // another engine, with another data root, created it at the same moment
                }
                index = nl.index(net.bridge());
            }
            return index;
        });
    }

    /** Deletes the bridge, then its rules (the table with the last one), then its record: ensure's reverse. */
    public void remove(Netlink nl, String name) throws NetlinkException, IOException {
        folder.<Void, NetlinkException>locked(() -> {
            nl.delete(name);
            unisolate(name);
            folder.delete(name);
            return null;
        });
    }

    /**
     * The undo of a creation that did not finish (the run failed, or was killed, before the bridge existed):
     * its rules and record go. A bridge that exists stays, with its rules, like any other: the usual case, known
     * from /proc, so such a teardown loads neither libnl nor libnftables.
     */
    public void abandonIfAbsent(String name) throws NetlinkException, IOException {
        folder.<Void, NetlinkException>locked(() -> {
            if (!kernel.hasLink(name)) {
                unisolate(name);
                folder.delete(name);
            }
            return null;
        });
    }

    private void isolate(List<String> bridges) throws NetlinkException {
        try {
            new Isolation(kernel).add(bridges);
        } catch (NetlinkException e) {
            throw new NetlinkException("isolate bridges " + String.join(", ", bridges) + " (nftables table " + Isolation.FAMILY + " "
                    + Isolation.TABLE + "): " + e.getMessage());
        }
    }

    private void unisolate(String bridge) throws NetlinkException {
        try {
            new Isolation(kernel).remove(bridge);
        } catch (NetlinkException e) {
            throw new NetlinkException("remove the isolation of bridge " + bridge + " (nftables table " + Isolation.FAMILY + " "
                    + Isolation.TABLE + "): " + e.getMessage());
        }
    }

    /** The recorded bridges' names (not the lock, nor a record being replaced: dot files). */
    private List<String> names() throws IOException {
        if (!Files.isDirectory(folder.dir())) {
            return List.of();
        }
        try (var files = Files.list(folder.dir())) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    public List<Entry> list() throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String name : names()) {
            folder.read(name).ifPresent(gateway -> entries.add(new Entry(name, gateway.trim())));
        }
        return entries;
    }
}
