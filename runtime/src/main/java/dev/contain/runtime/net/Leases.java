package dev.contain.runtime.net;

import dev.contain.runtime.base.ContainerError;
import dev.contain.spec.Cidr;
import dev.contain.spec.Ipv4;

import dev.contain.runtime.kernel.Errors;
import dev.contain.runtime.kernel.LockedFolder;
import dev.contain.runtime.kernel.TestHooks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Addresses in use on each bridge, in {@code <run root>/.networks/<bridge>.leases} ("address container"
 * lines), read and changed under one lock so concurrent runs never get the same address, and replaced
 * whole by rename (see {@link LockedFolder}), so that no crash or full disk can empty it and hand a
 * running container's address out again. A bridge's file goes when its last address is released.
 */
public final class Leases {
    public static final String DIR = ".networks";
    private static final String SUFFIX = ".leases";

    private final LockedFolder folder;

    public Leases(Path runRoot) {
        this.folder = new LockedFolder(runRoot.resolve(DIR), "lock");
    }

    /** The attachment with its address: the planned one if it is free, else the first free one in the subnet (not the gateway). */
    public BridgeAttachment acquire(String container, BridgeAttachment net) throws ContainerError {
        return locked(container, () -> {
            Map<Integer, String> used = read(net.bridge());
            Cidr address = net.address();
            if (address != null) {
                String holder = used.get(address.address().bits());
                if (holder != null) {
                    throw new ContainerError(container, "network", "address " + address.address() + " on bridge "
                            + net.bridge() + " is in use by container \"" + holder + "\"");
                }
            } else {
                address = firstFree(container, net, used);
            }
            used.put(address.address().bits(), container);
            write(net.bridge(), used);
            return net.withAddress(address);
        });
    }

    /** Releases every address the container holds on the bridge (journaled before it was leased: see Undo.Lease). */
    public void release(String container, String bridge) throws IOException {
        try {
            locked(container, () -> {
                Map<Integer, String> used = read(bridge);
                if (used.values().removeIf(container::equals)) {
                    write(bridge, used);
                } else {
                    folder.discardNew(bridge + SUFFIX); // the container's own lease, if its engine died writing it
                }
                return null;
            });
        } catch (ContainerError e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Containers holding addresses, by bridge: for `contain network ls` and gc. */
    public Map<String, Map<Integer, String>> all() throws IOException {
        Map<String, Map<Integer, String>> all = new LinkedHashMap<>();
        if (Files.isDirectory(folder.dir())) {
            try (var files = Files.list(folder.dir())) {
                for (Path f : files.sorted().toList()) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(SUFFIX) && !n.startsWith(".")) {
                        String bridge = n.substring(0, n.length() - SUFFIX.length());
                        all.put(bridge, read(bridge));
                    }
                }
            }
        }
        return all;
    }

    /** Runs {@code body} holding the leases' lock: no address is leased or released meanwhile. */
    public <T, E extends Exception> T whileLocked(LockedFolder.Body<T, E> body) throws IOException, E {
        return folder.locked(body);
    }

    private Cidr firstFree(String container, BridgeAttachment net, Map<Integer, String> used) throws ContainerError {
        Cidr subnet = net.subnet();
        int first = subnet.network().address().bits() + 1;
        for (long i = 0; i < subnet.hostCount(); i++) {
            int candidate = (int) (first + i);
            if (candidate != net.gateway().bits() && !used.containsKey(candidate)) {
                return subnet.withAddress(new Ipv4(candidate));
            }
        }
        throw new ContainerError(container, "network", "no free address left in " + subnet + " on bridge " + net.bridge());
    }

    private Map<Integer, String> read(String bridge) throws IOException {
        Map<Integer, String> used = new LinkedHashMap<>();
        for (String line : folder.read(bridge + SUFFIX).orElse("").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 2) {
                used.put(Ipv4.parse(f[0]).orElseThrow().bits(), f[1]);
            }
        }
        return used;
    }

    private void write(String bridge, Map<Integer, String> used) throws IOException {
        TestHooks.point("leases:" + bridge);
        if (used.isEmpty()) {
            folder.delete(bridge + SUFFIX);
            return;
        }
        StringBuilder lines = new StringBuilder();
        used.forEach((ip, c) -> lines.append(new Ipv4(ip)).append(' ').append(c).append('\n'));
        folder.replace(bridge + SUFFIX, lines.toString());
    }

    private <T> T locked(String container, LockedFolder.Body<T, ContainerError> body) throws ContainerError {
        try {
            return folder.locked(body);
        } catch (IOException e) {
            throw new ContainerError(container, "network", "address leases in " + folder.dir() + ": " + Errors.reason(e));
        }
    }
}
