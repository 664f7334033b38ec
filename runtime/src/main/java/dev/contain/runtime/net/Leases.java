package dev.contain.runtime.net;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.spec.Cidr;
import dev.contain.spec.Ipv4;
import dev.contain.spec.Network;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Addresses in use on each bridge, in {@code <run root>/.networks/<bridge>.leases} ("address container"
 * lines), read and changed under one file lock so concurrent runs never get the same address. A bridge's
 * file goes when its last address is released; the lock file stays.
 */
public final class Leases {
    public static final String DIR = ".networks";

    private final Path dir;

    public Leases(Path runRoot) {
        this.dir = runRoot.resolve(DIR);
    }

    /** The spec's address if it is free, else the first free one in the subnet (not the gateway). */
    public Cidr acquire(String container, Network.Bridge net) throws ContainerError {
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
            return address;
        });
    }

    public void release(String container, String bridge, Ipv4 address) throws IOException {
        try {
            locked(container, () -> {
                Map<Integer, String> used = read(bridge);
                if (container.equals(used.get(address.bits()))) {
                    used.remove(address.bits());
                    write(bridge, used);
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
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(".leases")) {
                        String bridge = n.substring(0, n.length() - ".leases".length());
                        all.put(bridge, read(bridge));
                    }
                }
            }
        }
        return all;
    }

    private Cidr firstFree(String container, Network.Bridge net, Map<Integer, String> used) throws ContainerError {
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
        Path file = dir.resolve(bridge + ".leases");
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split(" ");
                if (f.length == 2) {
                    used.put(Ipv4.parse(f[0]).orElseThrow().bits(), f[1]);
                }
            }
        }
        return used;
    }

    private void write(String bridge, Map<Integer, String> used) throws IOException {
        Path file = dir.resolve(bridge + ".leases");
        if (used.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        List<String> lines = new ArrayList<>();
        used.forEach((ip, c) -> lines.add(new Ipv4(ip) + " " + c));
        Files.write(file, lines);
    }

    private interface Locked<T> {
        T run() throws IOException, ContainerError;
    }

    private <T> T locked(String container, Locked<T> body) throws ContainerError {
        try {
            Files.createDirectories(dir);
            // the lock file is never removed: a run waiting on a removed file's lock would exclude nobody
            try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return body.run();
            }
        } catch (IOException e) {
            throw new ContainerError(container, "network", "address leases in " + dir + ": " + e.getMessage());
        }
    }
}
