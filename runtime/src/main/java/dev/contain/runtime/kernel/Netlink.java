package dev.contain.runtime.kernel;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Path;

/**
 * Links, addresses and routes through libnl, on a route socket of the calling thread's network namespace
 * (a netlink socket stays in the namespace it was opened in). {@link #inside} runs work on a short-lived
 * thread that has joined a container's network namespace: setns of a net namespace is per thread.
 */
public final class Netlink implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private final Pointer sock;

    private Netlink(Pointer sock) {
        this.sock = sock;
    }

    static Netlink open() throws NetlinkException {
        Libnl.load();
        Pointer sock = Libnl.core.nl_socket_alloc();
        if (sock == null) {
            throw new NetlinkException("nl_socket_alloc: out of memory");
        }
        int err = Libnl.core.nl_connect(sock, Libnl.NETLINK_ROUTE);
        if (err < 0) {
            Libnl.core.nl_socket_free(sock);
            throw new NetlinkException("connect a netlink route socket: " + Libnl.core.nl_geterror(-err));
        }
        return new Netlink(sock);
    }

    /** Loads JNA, libnl and libnftables on a thread of its own, for a run that will need them after other work (see Libnl.configureJna). */
    static void preload(Path dataRoot) {
        Thread thread = new Thread(() -> {
            try {
                Libnl.configureJna(dataRoot);
                Libnl.load();
                Libnftables.load(); // the bridge's isolation rules (Bridges.ensure)
            } catch (NetlinkException e) {
                // kept: Netlink.open() reports it, in its stage
            }
        }, "contain-libnl-preload");
        thread.setDaemon(true);
        thread.start();
    }

    /** The interface index of a link, or 0 if there is none by that name. */
    public int index(String name) {
        PointerByReference ref = new PointerByReference();
        if (Libnl.route.rtnl_link_get_kernel(sock, 0, name, ref) < 0) {
            return 0;
        }
        int index = Libnl.route.rtnl_link_get_ifindex(ref.getValue());
        Libnl.route.rtnl_link_put(ref.getValue());
        return index;
    }

    /** Creates a bridge with its gateway address (CIDR text, like 10.88.0.1/16), up. */
    public void createBridge(String name, String gateway) throws NetlinkException {
        Pointer link = Libnl.route.rtnl_link_alloc();
        try {
            Libnl.route.rtnl_link_set_name(link, name);
            check(Libnl.route.rtnl_link_set_type(link, "bridge"), "set type bridge", name);
            Libnl.route.rtnl_link_set_flags(link, Libnl.IFF_UP);
            check(Libnl.route.rtnl_link_add(sock, link, Libnl.NLM_F_CREATE | Libnl.NLM_F_EXCL), "create bridge", name);
        } finally {
            Libnl.route.rtnl_link_put(link);
        }
        try {
            addAddress(name, gateway);
            up(name);
        } catch (NetlinkException e) {
            try {
                delete(name); // not left half made: a bridge without its gateway would pass for a finished one
            } catch (NetlinkException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /**
     * Creates a veth pair: {@code hostName} enslaved to the bridge and up on this side, {@code peerName}
     * created directly in the network namespace of process {@code pid}. One netlink request.
     */
    public void createVeth(String hostName, int bridgeIndex, String peerName, long pid) throws NetlinkException {
        Pointer veth = Libnl.route.rtnl_link_veth_alloc();
        if (veth == null) {
            throw new NetlinkException("rtnl_link_veth_alloc: out of memory");
        }
        try {
            Libnl.route.rtnl_link_set_name(veth, hostName);
            Libnl.route.rtnl_link_set_master(veth, bridgeIndex);
            Libnl.route.rtnl_link_set_flags(veth, Libnl.IFF_UP);
            Pointer peer = Libnl.route.rtnl_link_veth_get_peer(veth);
            Libnl.route.rtnl_link_set_name(peer, peerName);
            Libnl.route.rtnl_link_set_ns_pid(peer, (int) pid);
            Libnl.route.rtnl_link_put(peer);
            check(Libnl.route.rtnl_link_add(sock, veth, Libnl.NLM_F_CREATE | Libnl.NLM_F_EXCL), "create veth pair", hostName + " / " + peerName);
        } finally {
            Libnl.route.rtnl_link_put(veth);
        }
    }

    public void up(String name) throws NetlinkException {
        PointerByReference ref = new PointerByReference();
        check(Libnl.route.rtnl_link_get_kernel(sock, 0, name, ref), "find link", name);
        Pointer change = Libnl.route.rtnl_link_alloc();
        try {
            Libnl.route.rtnl_link_set_flags(change, Libnl.IFF_UP);
            check(Libnl.route.rtnl_link_change(sock, ref.getValue(), change, 0), "bring up", name);
        } finally {
            Libnl.route.rtnl_link_put(change);
            Libnl.route.rtnl_link_put(ref.getValue());
        }
    }

    /** Adds an address (CIDR text, like 10.88.0.2/16) to a link. */
    public void addAddress(String name, String address) throws NetlinkException {
        int index = index(name);
        if (index == 0) {
            throw new NetlinkException("add address " + address + " to " + name + ": no such link");
        }
        Pointer addr = Libnl.route.rtnl_addr_alloc();
        PointerByReference local = new PointerByReference();
        try {
            check(Libnl.core.nl_addr_parse(address, Libnl.AF_INET, local), "parse address", address);
            Libnl.route.rtnl_addr_set_ifindex(addr, index);
            check(Libnl.route.rtnl_addr_set_local(addr, local.getValue()), "set address", address);
            check(Libnl.route.rtnl_addr_add(sock, addr, 0), "add address " + address + " to", name);
        } finally {
            if (local.getValue() != null) Libnl.core.nl_addr_put(local.getValue());
            Libnl.route.rtnl_addr_put(addr);
        }
    }

    public void addDefaultRoute(String name, String gateway) throws NetlinkException {
        Pointer route = Libnl.route.rtnl_route_alloc();
        PointerByReference dst = new PointerByReference();
        PointerByReference gw = new PointerByReference();
        try {
            check(Libnl.core.nl_addr_parse("default", Libnl.AF_INET, dst), "parse", "default");
            check(Libnl.core.nl_addr_parse(gateway, Libnl.AF_INET, gw), "parse gateway", gateway);
            check(Libnl.route.rtnl_route_set_dst(route, dst.getValue()), "set route destination", "default");
            Pointer nh = Libnl.route.rtnl_route_nh_alloc();
            Libnl.route.rtnl_route_nh_set_gateway(nh, gw.getValue());
            Libnl.route.rtnl_route_nh_set_ifindex(nh, index(name));
            Libnl.route.rtnl_route_add_nexthop(route, nh); // the route owns the nexthop now
            check(Libnl.route.rtnl_route_add(sock, route, Libnl.NLM_F_CREATE), "add default route via " + gateway + " on", name);
        } finally {
            if (dst.getValue() != null) Libnl.core.nl_addr_put(dst.getValue());
            if (gw.getValue() != null) Libnl.core.nl_addr_put(gw.getValue());
            Libnl.route.rtnl_route_put(route);
        }
    }

    /** Deletes a link by name; a link that is already gone is not an error. */
    public void delete(String name) throws NetlinkException {
        PointerByReference ref = new PointerByReference();
        if (Libnl.route.rtnl_link_get_kernel(sock, 0, name, ref) < 0) {
            return;
        }
        try {
            int deleted = Libnl.route.rtnl_link_delete(sock, ref.getValue());
            if (deleted < 0 && index(name) == 0) {
                return; // gone meanwhile, as asked: the kernel removes a namespace's veths after its last process, not at once
            }
            check(deleted, "delete link", name);
        } finally {
            Libnl.route.rtnl_link_put(ref.getValue());
        }
    }

    public interface Work {
        void run(Netlink inside) throws NetlinkException;
    }

    /** Runs work with a netlink socket inside the network namespace of process pid, on a thread of its own. */
    static void inside(long pid, Work work) throws NetlinkException {
        Libnl.load();
        NetlinkException[] failure = new NetlinkException[1];
        Thread thread = new Thread(() -> {
            String path = "/proc/" + pid + "/ns/net";
            int fd = Libnl.libc.open(path, O_RDONLY_CLOEXEC);
            if (fd < 0) {
                failure[0] = new NetlinkException("open " + path + ": errno " + Native.getLastError());
                return;
            }
            try {
                if (Libnl.libc.setns(fd, CLONE_NEWNET) < 0) {
                    failure[0] = new NetlinkException("join the network namespace of process " + pid + ": errno " + Native.getLastError());
                    return;
                }
            } finally {
                Libnl.libc.close(fd);
            }
            // this thread now lives in the container's namespace, and ends with this work
            try (Netlink nl = open()) {
                work.run(nl);
            } catch (NetlinkException e) {
                failure[0] = e;
            }
        }, "netns-" + pid);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetlinkException("interrupted while configuring the container's network");
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static void check(int result, String operation, String object) throws NetlinkException {
        if (result < 0) {
            throw new NetlinkException(operation + " " + object + ": " + Libnl.core.nl_geterror(-result));
        }
    }

    @Override
    public void close() {
        Libnl.core.nl_socket_free(sock);
    }
}
