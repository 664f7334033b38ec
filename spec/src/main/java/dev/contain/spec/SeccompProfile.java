package dev.contain.spec;

import java.util.List;

/**
 * A seccomp profile in docker's JSON format (also OCI's {@code linux.seccomp}): a default action, the
 * architectures (a list, or docker's {@code archMap} from the native one to its compat ones), and syscall
 * rules, each optionally conditional on the container's capabilities, the architecture or the kernel
 * version ({@code includes}/{@code excludes}). Checked, not yet compiled: the engine turns it into BPF.
 */
public record SeccompProfile(Action defaultAction, Integer defaultErrnoRet, List<String> architectures,
                             List<ArchMap> archMap, List<String> flags, List<Syscall> syscalls) {
    public SeccompProfile {
        architectures = List.copyOf(architectures);
        archMap = List.copyOf(archMap);
        flags = List.copyOf(flags);
        syscalls = List.copyOf(syscalls);
    }

    /** libseccomp's actions (SCMP_ACT_*); NOTIFY needs a listener, which contain does not offer. */
    public enum Action {
        KILL, KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, TRACE, ALLOW, LOG;

        public String jsonName() {
            return "SCMP_ACT_" + name();
        }
    }

    /** libseccomp's argument comparisons (SCMP_CMP_*), in their enum order from 1. */
    public enum Op {
        NE, LT, LE, EQ, GE, GT, MASKED_EQ;

        public String jsonName() {
            return "SCMP_CMP_" + name();
        }
    }

    /** {@code SCMP_ARCH_X86_64 -> [SCMP_ARCH_X86, SCMP_ARCH_X32]}: the compat arches of a native one. */
    public record ArchMap(String architecture, List<String> subArchitectures) {
        public ArchMap {
            subArchitectures = List.copyOf(subArchitectures);
        }
    }

    /** One rule: these syscall names get this action when the arguments compare so (all of them: AND). */
    public record Syscall(List<String> names, Action action, Integer errnoRet, List<Arg> args, Filter includes,
                          Filter excludes) {
        public Syscall {
            names = List.copyOf(names);
            args = List.copyOf(args);
        }
    }

    /** Argument {@code index} (0-5) compared with {@code value} (for MASKED_EQ: masked by value, equal to valueTwo). */
    public record Arg(int index, long value, long valueTwo, Op op) {}

    /** When a rule applies: all of {@code caps} in the bounding set, the native arch among {@code arches}, kernel >= minKernel. */
    public record Filter(List<Capability> caps, List<String> arches, String minKernel) {
        public static final Filter NONE = new Filter(List.of(), List.of(), null);

        public Filter {
            caps = List.copyOf(caps);
            arches = List.copyOf(arches);
        }
    }
}
