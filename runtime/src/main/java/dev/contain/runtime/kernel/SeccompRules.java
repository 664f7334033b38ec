package dev.contain.runtime.kernel;

import java.util.List;

/**
 * A seccomp filter as libseccomp builds it: the policy (which syscalls, which action, which argument
 * conditions) is decided by the engine; this is only its input, in libseccomp's own terms.
 *
 * @param defaultAction a libseccomp action value (SCMP_ACT_*), see {@link #errno}
 * @param arches        libseccomp arch names added beside the native one (x86, x32)
 * @param rules         in order; each one syscall name (resolved by libseccomp, which skips names it does not know)
 */
public record SeccompRules(int defaultAction, List<String> arches, List<Rule> rules) {
    public static final int ACT_KILL_PROCESS = 0x80000000;
    public static final int ACT_KILL_THREAD = 0x00000000;
    public static final int ACT_TRAP = 0x00030000;
    public static final int ACT_LOG = 0x7ffc0000;
    public static final int ACT_ALLOW = 0x7fff0000;

    public SeccompRules {
        arches = List.copyOf(arches);
        rules = List.copyOf(rules);
    }

    /** SCMP_ACT_ERRNO(n): the syscall fails with errno n. */
    public static int errno(int n) {
        return 0x00050000 | (n & 0xffff);
    }

    /** SCMP_ACT_TRACE(n): a ptrace tracer is told, with message n. */
    public static int trace(int n) {
        return 0x7ff00000 | (n & 0xffff);
    }

    /** One rule: {@code syscall} gets {@code action} when all of {@code args} hold. */
    public record Rule(String syscall, int action, List<Cmp> args) {
        public Rule {
            args = List.copyOf(args);
        }
    }

    /**
     * Argument {@code index} compared by {@code op} (libseccomp's enum scmp_compare: NE=1, LT, LE, EQ, GE, GT,
     * MASKED_EQ=7) with {@code a} (for MASKED_EQ: {@code (arg & a) == b}).
     */
    public record Cmp(int index, int op, long a, long b) {}
}
