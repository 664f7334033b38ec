package dev.contain.runtime.net;

import dev.contain.spec.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Bridges the engine made, like docker0: created on first use with the gateway address, kept after the
 * containers leave, recorded in {@code <data root>/networks/<bridge>} (its gateway/prefix) so
 * `contain network ls` and `rm` know which are ours.
 */
public final class Bridges {
    private final Path dir;

    public Bridges(Path dataRoot) {
        this.dir = dataRoot.resolve("networks");
    }

    public record Entry(String name, String gateway) {}

    /** The bridge's index, after creating it if it does not exist. */
    public int ensure(Netlink nl, Network.Bridge net) throws NetlinkException, IOException {
        int index = nl.index(net.bridge());
        if (index == 0) {
            Files.createDirectories(dir);
            String gateway = net.subnet().withAddress(net.gateway()).toString();
            Files.writeString(dir.resolve(net.bridge()), gateway + "\n");
            try {
                nl.createBridge(net.bridge(), net.subnet().withAddress(net.gateway()));
            } catch (NetlinkException e) {
                if (nl.index(net.bridge()) == 0) {
                    throw e;
                } // another run created it at the same moment
            }
            index = nl.index(net.bridge());
        }
        return index;
    }

    public List<Entry> list() throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    entries.add(new Entry(f.getFileName().toString(), Files.readString(f).trim()));
                }
            }
        }
        return entries;
    }

    public void forget(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name));
    }
}
