package dev.contain.runtime.plan;

import java.util.Arrays;
import java.util.List;

/**
 * What the container's process may do, as policy decided it; the init only applies it (enter_process() in
 * process.c, masked and read-only paths as operations before pivot_root). {@link #NONE} leaves the kernel's
 * defaults: every capability of the user namespace, no no_new_privs, no seccomp filter, the engine's rlimits,
 * nothing masked.
 *
 * @param caps        capability sets, or null: left as they are (only {@code privileged} wants that)
 * @param seccomp     a BPF program loaded last before exec, or null: none
 * @param masked      container paths: a folder gets an empty read-only tmpfs, a file /dev/null
 * @param readonly    container paths bound onto themselves read-only
 * @param oomScoreAdj written for the container's process by the init's host side, or null: inherited
 * @param umask       set in the tail before exec, or null: inherited from the engine
 * @param newKeyring  the process joins a new anonymous session keyring before anything else (runc's default):
 *                    otherwise it keeps the caller's, whose keys it possesses (seccomp profiles deny keyctl, but
 *                    an unconfined or privileged container would reach them)
 */
public record Security(Caps caps, boolean noNewPrivs, Seccomp seccomp, List<Rlimit> rlimits, List<String> masked,
                       List<String> readonly, Integer oomScoreAdj, Integer umask, boolean newKeyring) {
    public static final Security NONE = new Security(null, false, null, List.of(), List.of(), List.of(), null, null, false);

    public Security {
        rlimits = List.copyOf(rlimits);
        masked = List.copyOf(masked);
        readonly = List.copyOf(readonly);
    }

    public Security withCaps(Caps c) { return new Security(c, noNewPrivs, seccomp, rlimits, masked, readonly, oomScoreAdj, umask, newKeyring); }
    public Security withNoNewPrivs(boolean n) { return new Security(caps, n, seccomp, rlimits, masked, readonly, oomScoreAdj, umask, newKeyring); }
    public Security withSeccomp(Seccomp s) { return new Security(caps, noNewPrivs, s, rlimits, masked, readonly, oomScoreAdj, umask, newKeyring); }
    public Security withRlimits(List<Rlimit> r) { return new Security(caps, noNewPrivs, seccomp, r, masked, readonly, oomScoreAdj, umask, newKeyring); }
    public Security withMasked(List<String> m) { return new Security(caps, noNewPrivs, seccomp, rlimits, m, readonly, oomScoreAdj, umask, newKeyring); }
    public Security withReadonly(List<String> r) { return new Security(caps, noNewPrivs, seccomp, rlimits, masked, r, oomScoreAdj, umask, newKeyring); }
    public Security withOomScoreAdj(Integer o) { return new Security(caps, noNewPrivs, seccomp, rlimits, masked, readonly, o, umask, newKeyring); }
    public Security withUmask(Integer u) { return new Security(caps, noNewPrivs, seccomp, rlimits, masked, readonly, oomScoreAdj, u, newKeyring); }
    public Security withNewKeyring(boolean k) { return new Security(caps, noNewPrivs, seccomp, rlimits, masked, readonly, oomScoreAdj, umask, k); }

    /** Capability sets as 64-bit masks: bit N is capability N (CAP_CHOWN 0, CAP_SYS_ADMIN 21...). */
    public record Caps(long bounding, long effective, long permitted, long inheritable, long ambient) {
        public List<String> fields() {
            return List.of(Long.toHexString(bounding), Long.toHexString(effective), Long.toHexString(permitted),
                    Long.toHexString(inheritable), Long.toHexString(ambient));
        }
    }

    /**
     * A classic BPF program (struct sock_filter array, native byte order, 8 bytes an instruction) and seccomp(2)'s
     * filter flags; {@code source} (the profile: "default" or its path) and {@code rules} (how many libseccomp
     * rules made it) only describe it, for the dry run.
     */
    public record Seccomp(int flags, byte[] program, String source, int rules) {
        public static final int INSTRUCTION_BYTES = 8;
        public static final int MAX_INSTRUCTIONS = 4096;

        public Seccomp(int flags, byte[] program) {
            this(flags, program, "", 0);
        }

        public Seccomp {
            if (program.length == 0 || program.length % INSTRUCTION_BYTES != 0 || program.length / INSTRUCTION_BYTES > MAX_INSTRUCTIONS) {
                throw new IllegalArgumentException("a seccomp program is 1 to " + MAX_INSTRUCTIONS + " instructions of "
                        + INSTRUCTION_BYTES + " bytes, not " + program.length + " bytes");
            }
            program = program.clone();
        }

        @Override
        public byte[] program() {
            return program.clone();
        }

        public int instructions() {
            return program.length / INSTRUCTION_BYTES;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Seccomp s && s.flags == flags && Arrays.equals(s.program, program) && s.source.equals(source)
                    && s.rules == rules;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(flags, Arrays.hashCode(program), source, rules);
        }

        @Override
        public String toString() {
            return "Seccomp[flags=" + flags + ", instructions=" + instructions() + ", source=" + source + ", rules=" + rules + "]";
        }
    }

    /** setrlimit(2) for one RLIMIT_* resource; {@link #UNLIMITED} is RLIM_INFINITY. */
    public record Rlimit(int resource, long soft, long hard) {
        public static final long UNLIMITED = -1;
        /** The RLIMIT_* resources by number, as the spec names them. */
        public static final List<String> NAMES = List.of("cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
                "memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime");

        public Rlimit {
            if (resource < 0 || resource >= NAMES.size()) {
                throw new IllegalArgumentException("no RLIMIT resource " + resource);
            }
            if (Long.compareUnsigned(soft, hard) > 0) {
                throw new IllegalArgumentException("rlimit " + NAMES.get(resource) + ": soft limit above the hard limit");
            }
        }

        /** {@code of("nofile", 1024, 4096)}. */
        public static Rlimit of(String name, long soft, long hard) {
            int resource = NAMES.indexOf(name);
            if (resource < 0) {
                throw new IllegalArgumentException("no rlimit named " + name + " (one of " + NAMES + ")");
            }
            return new Rlimit(resource, soft, hard);
        }

        public String name() {
            return NAMES.get(resource);
        }

        public static String text(long limit) {
            return limit == UNLIMITED ? "unlimited" : Long.toUnsignedString(limit);
        }
    }
}
