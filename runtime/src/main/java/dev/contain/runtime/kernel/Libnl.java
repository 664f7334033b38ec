package dev.contain.runtime.kernel;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Path;

/**
 * The parts of libnl-3 and libnl-route-3 the engine uses, through JNA's interface mapping (measured:
 * JNA's direct mapping starts ~10 ms slower, its FFI type tables cost more than the proxies). Loaded on
 * first use only: runs without a bridge network never pay for JNA. Pointers are libnl's opaque objects;
 * negative ints are libnl error codes, explained by nl_geterror.
 */
final class Libnl {
    static final int NETLINK_ROUTE = 0;
    static final int AF_INET = 2;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int IFF_UP = 0x1;

    interface Core extends Library {
        Pointer nl_socket_alloc();

        void nl_socket_free(Pointer sock);

        int nl_connect(Pointer sock, int protocol);

        String nl_geterror(int error);

        int nl_addr_parse(String text, int family, PointerByReference result);

        void nl_addr_put(Pointer addr);
    }

    interface Route extends Library {
        Pointer rtnl_link_alloc();

        void rtnl_link_put(Pointer link);

        int rtnl_link_get_kernel(Pointer sock, int ifindex, String name, PointerByReference result);

        void rtnl_link_set_name(Pointer link, String name);

        int rtnl_link_set_type(Pointer link, String type);

        void rtnl_link_set_flags(Pointer link, int flags);

        int rtnl_link_get_flags(Pointer link);

        void rtnl_link_set_master(Pointer link, int ifindex);

        int rtnl_link_get_ifindex(Pointer link);

        int rtnl_link_add(Pointer sock, Pointer link, int flags);

        int rtnl_link_change(Pointer sock, Pointer orig, Pointer changes, int flags);

        int rtnl_link_delete(Pointer sock, Pointer link);

        Pointer rtnl_link_veth_alloc();

        Pointer rtnl_link_veth_get_peer(Pointer veth);

        void rtnl_link_set_ns_pid(Pointer link, int pid);

        Pointer rtnl_addr_alloc();

        void rtnl_addr_put(Pointer addr);

        void rtnl_addr_set_ifindex(Pointer addr, int ifindex);

        int rtnl_addr_set_local(Pointer addr, Pointer local);

        int rtnl_addr_add(Pointer sock, Pointer addr, int flags);

        Pointer rtnl_route_alloc();

        void rtnl_route_put(Pointer route);

        int rtnl_route_set_dst(Pointer route, Pointer dst);

        Pointer rtnl_route_nh_alloc();

        void rtnl_route_nh_set_gateway(Pointer nh, Pointer gateway);

        void rtnl_route_nh_set_ifindex(Pointer nh, int ifindex);

        void rtnl_route_add_nexthop(Pointer route, Pointer nh);

        int rtnl_route_add(Pointer sock, Pointer route, int flags);
    }

    interface C extends Library {
        int open(String path, int flags);

        int close(int fd);

        int setns(int fd, int nstype);
    }

    /**
     * All three, bound to libnl-route-3 alone: a symbol lookup in a library searches its dependencies too
     * (dlsym), which include libnl-3 and libc, and JNA generates one proxy class instead of three (~5 ms
     * each in a JVM that has compiled nothing).
     */
    interface All extends Core, Route, C {}

    /**
     * Three views of the one {@link All} proxy, named for the library each function comes from; set together
     * by {@link #load}, and every use of them follows a successful load (Netlink.open, Netlink.inside).
     */
    static Core core;
    static Route route;
    static C libc;
    private static String loadFailure;

    private Libnl() {}

    /** JNA configured for the engine (see {@link dev.contain.runtime.kernel.Jna}). Before {@link #load}. */
    static synchronized void configureJna(Path dataRoot) {
        if (core == null) {
            dev.contain.runtime.kernel.Jna.configure(dataRoot);
        }
    }

    /**
     * Loads the libraries behind the interfaces above, once; every use of libnl starts here. The first call
     * costs ~50 ms (JNA's own start-up), so a run with a bridge network makes it on a thread of its own
     * early ({@link Netlink#preload}). By soname: the ABI these mappings were written against.
     */
    static synchronized void load() throws NetlinkException {
        if (core == null && loadFailure == null) {
            try {
                All all = Native.load("libnl-route-3.so.200", All.class);
                core = all;
                route = all;
                libc = all;
            } catch (LinkageError e) {
                loadFailure = "cannot load libnl-3 / libnl-route-3 (install libnl-3-200 and libnl-route-3-200): " + e.getMessage();
            }
        }
        if (loadFailure != null) {
            throw new NetlinkException(loadFailure);
        }
    }
}
