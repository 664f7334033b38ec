package dev.contain.runtime.engine;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.net.Bridges;
import dev.contain.runtime.net.Leases;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.Netlink;
import dev.contain.runtime.kernel.NetlinkException;
import dev.contain.spec.Ipv4;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's bridges as a whole, for {@code contain network ls} and {@code rm}. A bridge is removed under
 * the leases' lock: a run leases its address under that lock before it makes or joins the bridge, so a
 * bridge found without leases here has no container on it and gets none until it is gone. The engine's API
 * (like {@link Images}): the CLI lists and removes networks through it, never net/ itself.
 */
public final class Networks {
    /** A bridge the engine made: its gateway, whether the link exists, and who holds addresses on it. */
    public record Network(String name, String gateway, boolean present, Map<String, String> containers) {}

    private final Kernel kernel;
    private final Bridges bridges;
    private final Leases leases;

    public Networks(Kernel kernel, Path dataRoot, Path runRoot) {
        this.kernel = kernel;
        this.bridges = new Bridges(kernel, dataRoot);
        this.leases = new Leases(runRoot);
    }

    public List<Network> list() throws ContainerError {
        try { // whether a bridge is present comes from /proc: a listing loads no JNA
            Map<String, Map<Integer, String>> all = leases.all();
            List<Network> list = new ArrayList<>();
            for (Bridges.Entry b : bridges.list()) {
                Map<String, String> users = new LinkedHashMap<>(); // container -> address
                all.getOrDefault(b.name(), Map.of()).forEach((ip, c) -> users.put(c, new Ipv4(ip).toString()));
                list.add(new Network(b.name(), b.gateway(), kernel.hasLink(b.name()), users));
            }
            return list;
        } catch (IOException e) {
            throw new ContainerError(null, "network", "cannot read the engine's networks: " + e.getMessage());
        }
    }

    /** Deletes the bridges (every one the engine made when {@code names} is null), none if one is in use; returns their names. */
    public List<String> remove(List<String> names) throws ContainerError {
        try (Netlink nl = kernel.openNetlink()) {
            return leases.whileLocked(() -> {
                List<String> known = bridges.list().stream().map(Bridges.Entry::name).toList();
                List<String> targets = names == null ? known : names;
                for (String name : targets) {
                    if (!known.contains(name)) {
                        throw new ContainerError(null, "network", "no bridge named '" + name + "' was made by contain (see contain network ls)");
                    }
                }
                Map<String, Map<Integer, String>> used = leases.all();
                for (String name : targets) { // all or none: every one is checked before any goes
                    Map<Integer, String> users = used.getOrDefault(name, Map.of());
                    if (!users.isEmpty()) {
                        throw new ContainerError(null, "network", "bridge " + name + " is in use by " + users.values());
                    }
                }
                List<String> removed = new ArrayList<>();
                for (String name : targets) {
                    try {
                        bridges.remove(nl, name); // the link, then its isolation rules, then its record
                    } catch (NetlinkException e) {
                        throw new ContainerError(null, "network", e.getMessage());
                    }
                    removed.add(name);
                }
                return removed;
            });
        } catch (NetlinkException e) {
            throw new ContainerError(null, "network", e.getMessage());
        } catch (IOException e) {
            throw new ContainerError(null, "network", "cannot remove bridges: " + e.getMessage());
        }
    }
}
