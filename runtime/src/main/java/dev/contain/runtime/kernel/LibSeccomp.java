package dev.contain.runtime.kernel;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * libseccomp (libseccomp.so.2, what runc, crun and podman use) through JNA: builds a filter from
 * {@link SeccompRules} and exports its BPF. Loaded only when a filter is not in the cache (see the
 * engine's SeccompCache), so most runs never load JNA or libseccomp for it. The filter is never loaded
 * into this process: the native init loads the exported bytes into the container's.
 */
public final class LibSeccomp implements SeccompCompiler {
    /** The shared library's soname: the ABI these mappings were written against. */
    public static final String SONAME = "libseccomp.so.2";
    private static final int EEXIST = 17;
    private static final int MFD_CLOEXEC = 1;
    /** enum scmp_filter_attr SCMP_FLTATR_CTL_OPTIMIZE (libseccomp 2.5+), and its binary-tree level. */
    private static final int SCMP_FLTATR_CTL_OPTIMIZE = 8;
    private static final int OPTIMIZE_BINARY_TREE = 2;
    /**
     * How this class builds a filter, for the cache key: a change here must not reuse programs built the old way.
     * "bt": syscalls sorted into a binary tree (see {@link #export}).
     */
    public static final String BUILD = "bt";

    interface Lib extends Library {
        Pointer seccomp_init(int defAction);

        void seccomp_release(Pointer ctx);

        int seccomp_arch_resolve_name(String name);

        int seccomp_arch_add(Pointer ctx, int arch);

        int seccomp_attr_set(Pointer ctx, int attr, int value);

        int seccomp_syscall_resolve_name(String name);

        int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int argCount, Pointer args);

        int seccomp_export_bpf(Pointer ctx, int fd);

        int seccomp_export_pfc(Pointer ctx, int fd);

        /** struct scmp_version { unsigned int major, minor, micro; } */
        Pointer seccomp_version();

        /** libc's, found through libseccomp's own dependencies (dlsym searches them). */
        int memfd_create(String name, int flags);

        int close(int fd);

        String strerror(int errno);
    }

    private static Lib lib;
    private final Path dataRoot;

    /** {@code dataRoot}: where JNA's extracted dispatch library lives (see {@link Jna}). */
    public LibSeccomp(Path dataRoot) {
        this.dataRoot = dataRoot;
    }

    private synchronized Lib lib() throws IOException {
        if (lib == null) {
            Jna.configure(dataRoot);
            try {
                lib = Native.load(SONAME, Lib.class);
            } catch (LinkageError e) {
                throw new IOException("cannot load " + SONAME + " (install libseccomp2): " + e.getMessage());
            }
        }
        return lib;
    }

    /** The loaded library's version, like 2.5.4. */
    public String version() throws IOException {
        Pointer v = lib().seccomp_version();
        return v.getInt(0) + "." + v.getInt(4) + "." + v.getInt(8);
    }

    @Override
    public Compiled compile(SeccompRules rules) throws IOException {
        List<String> unknown = new ArrayList<>();
        return new Compiled(export(rules, unknown, false), List.copyOf(unknown));
    }

    /** libseccomp's human-readable form of the same filter (pseudo filter code), for tests and debugging. */
    public String pfc(SeccompRules rules) throws IOException {
        return new String(export(rules, new ArrayList<>(), true), java.nio.charset.StandardCharsets.UTF_8);
    }

    private byte[] export(SeccompRules rules, List<String> unknown, boolean pfc) throws IOException {
        Lib l = lib();
        Pointer ctx = l.seccomp_init(rules.defaultAction());
        if (ctx == null) {
            throw new IOException("seccomp_init failed: default action 0x" + Integer.toHexString(rules.defaultAction()));
        }
        try {
            // a binary tree of syscall numbers instead of libseccomp's default linear chain: ~25% more instructions,
            // but the kernel loads it ~3x faster (measured: 275 vs 735 us for docker's profile; at load, Linux 5.11+
            // runs the filter for every syscall number to find those it always allows) and a syscall late in the
            // list is decided in ~20 instructions, not hundreds. An older libseccomp refuses the attribute: linear.
            l.seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, OPTIMIZE_BINARY_TREE);
            for (String arch : rules.arches()) {
                int token = l.seccomp_arch_resolve_name(arch);
                if (token == 0) {
                    throw new IOException("libseccomp does not know the architecture " + arch);
                }
                check(l, l.seccomp_arch_add(ctx, token), -EEXIST, "seccomp_arch_add " + arch);
            }
            for (SeccompRules.Rule r : rules.rules()) {
                int nr = l.seccomp_syscall_resolve_name(r.syscall());
                if (nr == -1) { // __NR_SCMP_ERROR: not a syscall on any architecture libseccomp knows
                    unknown.add(r.syscall());
                    continue;
                }
                Memory args = r.args().isEmpty() ? null : new Memory(24L * r.args().size());
                for (int i = 0; i < r.args().size(); i++) { // struct scmp_arg_cmp { uint arg; enum op; u64 a, b; }
                    SeccompRules.Cmp c = r.args().get(i);
                    args.setInt(24L * i, c.index());
                    args.setInt(24L * i + 4, c.op());
                    args.setLong(24L * i + 8, c.a());
                    args.setLong(24L * i + 16, c.b());
                }
                check(l, l.seccomp_rule_add_array(ctx, r.action(), nr, r.args().size(), args), 0,
                        "seccomp_rule_add " + r.syscall());
            }
            int fd = l.memfd_create("contain-seccomp", MFD_CLOEXEC);
            if (fd < 0) {
                throw new IOException("memfd_create failed: " + l.strerror(Native.getLastError()));
            }
            try {
                check(l, pfc ? l.seccomp_export_pfc(ctx, fd) : l.seccomp_export_bpf(ctx, fd), 0, "seccomp_export");
                return Files.readAllBytes(Path.of("/proc/self/fd/" + fd));
            } finally {
                l.close(fd);
            }
        } finally {
            l.seccomp_release(ctx);
        }
    }

    /** libseccomp returns -errno; {@code alsoFine} is one more accepted result (0 when none). */
    private static void check(Lib l, int rc, int alsoFine, String what) throws IOException {
        if (rc < 0 && rc != alsoFine) {
            throw new IOException(what + " failed: " + l.strerror(-rc));
        }
    }
}
