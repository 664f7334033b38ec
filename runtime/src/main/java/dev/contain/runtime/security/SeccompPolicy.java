package dev.contain.runtime.security;

import dev.contain.runtime.kernel.SeccompRules;
import dev.contain.spec.Capability;
import dev.contain.spec.SeccompProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Applies a docker/OCI profile to one container as docker does (moby/profiles' setupSeccomp): the
 * architectures of the native entry of {@code archMap} (or the profile's {@code architectures}); each rule
 * whose {@code includes} all hold and none of whose {@code excludes} do, where a capability holds when it is
 * in the container's bounding set, an arch when it is the native one (docker's Go name: amd64), a minKernel
 * when the running kernel is at least that version. The result is libseccomp's input, one rule per name.
 */
public final class SeccompPolicy {
    private static final int EPERM = 1;
    public static final int FLAG_TSYNC = 1;
    public static final int FLAG_LOG = 2;
    public static final int FLAG_SPEC_ALLOW = 4;

    private SeccompPolicy() {}

    /**
     * @param rules   for libseccomp
     * @param flags   SECCOMP_FILTER_FLAG_* for seccomp(2)
     * @param arches  every architecture of the filter, the native one first (SCMP_ARCH_X86_64, ...)
     */
    public record Selection(SeccompRules rules, int flags, List<String> arches) {}

    public static Selection select(SeccompProfile profile, Platform platform, long bounding) {
        List<String> arches = new ArrayList<>(List.of(platform.scmpArch()));
        if (!profile.architectures().isEmpty()) {
            profile.architectures().stream().filter(a -> !arches.contains(a)).forEach(arches::add);
        } else {
            profile.archMap().stream().filter(m -> m.architecture().equals(platform.scmpArch())).findFirst()
                    .ifPresent(m -> m.subArchitectures().stream().filter(a -> !arches.contains(a)).forEach(arches::add));
        }
        int defaultAction = action(profile.defaultAction(), profile.defaultErrnoRet());
        List<SeccompRules.Rule> rules = new ArrayList<>();
        for (SeccompProfile.Syscall s : profile.syscalls()) {
            if (!applies(s, platform, bounding)) {
                continue;
            }
            int action = action(s.action(), s.errnoRet());
            if (action == defaultAction) {
                continue; // libseccomp refuses a rule that does what the default does; it changes nothing
            }
            List<SeccompRules.Cmp> args = s.args().stream()
                    .map(a -> new SeccompRules.Cmp(a.index(), a.op().ordinal() + 1, a.value(), a.valueTwo())).toList();
            for (String name : s.names()) {
                rules.add(new SeccompRules.Rule(name, action, args));
            }
        }
        List<String> libArches = arches.subList(1, arches.size()).stream()
                .map(a -> a.substring("SCMP_ARCH_".length()).toLowerCase(Locale.ROOT)).toList();
        return new Selection(new SeccompRules(defaultAction, libArches, rules), flags(profile.flags()), List.copyOf(arches));
    }

    private static boolean applies(SeccompProfile.Syscall s, Platform platform, long bounding) {
        SeccompProfile.Filter in = s.includes();
        SeccompProfile.Filter ex = s.excludes();
        if (!in.arches().isEmpty() && !in.arches().contains(platform.goArch())) return false;
        for (Capability c : in.caps()) {
            if ((bounding & (1L << c.bit())) == 0) return false;
        }
        if (in.minKernel() != null && !platform.kernelAtLeast(in.minKernel())) return false;
        if (ex.arches().contains(platform.goArch())) return false;
        for (Capability c : ex.caps()) {
            if ((bounding & (1L << c.bit())) != 0) return false;
        }
        return ex.minKernel() == null || !platform.kernelAtLeast(ex.minKernel());
    }

    /** As runc maps OCI actions: ERRNO and TRACE without errnoRet mean EPERM; KILL is KILL_THREAD. */
    static int action(SeccompProfile.Action action, Integer errnoRet) {
        int errno = errnoRet == null ? EPERM : errnoRet;
        return switch (action) {
            case KILL, KILL_THREAD -> SeccompRules.ACT_KILL_THREAD;
            case KILL_PROCESS -> SeccompRules.ACT_KILL_PROCESS;
            case TRAP -> SeccompRules.ACT_TRAP;
            case ERRNO -> SeccompRules.errno(errno);
            case TRACE -> SeccompRules.trace(errno);
            case ALLOW -> SeccompRules.ACT_ALLOW;
            case LOG -> SeccompRules.ACT_LOG;
        };
    }

    private static int flags(List<String> names) {
        int flags = 0;
        for (String n : names) {
            flags |= switch (n) {
                case "SECCOMP_FILTER_FLAG_TSYNC" -> FLAG_TSYNC;
                case "SECCOMP_FILTER_FLAG_LOG" -> FLAG_LOG;
                case "SECCOMP_FILTER_FLAG_SPEC_ALLOW" -> FLAG_SPEC_ALLOW;
                default -> throw new IllegalArgumentException("unknown seccomp flag " + n); // the parser refuses it
            };
        }
        return flags;
    }

    /** "errno 1 (EPERM)", "allow", ... for the dry run. */
    public static String describeAction(int action) {
        if ((action & 0xffff0000) == 0x00050000) {
            int errno = action & 0xffff;
            return "errno " + errno + (errno == EPERM ? " (EPERM)" : errno == 38 ? " (ENOSYS)" : "");
        }
        return switch (action) {
            case SeccompRules.ACT_ALLOW -> "allow";
            case SeccompRules.ACT_LOG -> "log";
            case SeccompRules.ACT_KILL_PROCESS -> "kill the process";
            case SeccompRules.ACT_KILL_THREAD -> "kill the thread";
            case SeccompRules.ACT_TRAP -> "SIGSYS";
            default -> "trace " + (action & 0xffff);
        };
    }
}
