package dev.contain.runtime.oci;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.SeccompRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code linux.seccomp}, the OCI form, to libseccomp's input ({@link SeccompRules}), as runc maps it: ERRNO
 * and TRACE without errnoRet mean EPERM, KILL is KILL_THREAD; a rule whose action is the default one is left
 * out (libseccomp refuses it). A notify action or listener is refused: no agent receives it.
 */
final class OciSeccomp {
    private static final int EPERM = 1;

    record Result(SeccompRules rules, int flags) {}

    private OciSeccomp() {}

    static Result read(Node s, String nativeArch) throws ContainerError {
        int defaultAction = action(s, "defaultAction", s.string("defaultAction", null), s.number("defaultErrnoRet"));
        List<String> arches = new ArrayList<>();
        for (String a : s.strings("architectures")) {
            if (!a.startsWith("SCMP_ARCH_")) {
                throw s.error("architectures", "unknown architecture " + a);
            }
            if (!a.equals(nativeArch)) {
                arches.add(a.substring("SCMP_ARCH_".length()).toLowerCase(Locale.ROOT));
            }
        }
        int flags = 0;
        for (String f : s.strings("flags")) {
            flags |= switch (f) {
                case "SECCOMP_FILTER_FLAG_TSYNC" -> 1;
                case "SECCOMP_FILTER_FLAG_LOG" -> 2;
                case "SECCOMP_FILTER_FLAG_SPEC_ALLOW" -> 4;
                default -> throw s.error("flags", "unknown flag " + f);
            };
        }
        s.refuse("listenerPath", "a seccomp notify listener is not supported");
        s.refuse("listenerMetadata", "a seccomp notify listener is not supported");
        List<SeccompRules.Rule> rules = new ArrayList<>();
        for (Node sc : s.objects("syscalls")) {
            List<String> names = sc.strings("names");
            int action = action(sc, "action", sc.string("action", null), sc.number("errnoRet"));
            List<SeccompRules.Cmp> args = new ArrayList<>();
            for (Node a : sc.objects("args")) {
                Long index = a.number("index");
                Long value = a.unsigned("value");
                Long two = a.unsigned("valueTwo");
                String op = a.string("op", null);
                a.done();
                if (index == null || index < 0 || index > 5 || value == null || op == null) {
                    throw a.error(null, "an argument needs index (0-5), value and op");
                }
                args.add(new SeccompRules.Cmp(index.intValue(), compare(a, op), value, two == null ? 0 : two));
            }
            sc.done();
            if (action == defaultAction) {
                continue;
            }
            for (String name : names) {
                rules.add(new SeccompRules.Rule(name, action, args));
            }
        }
        s.done();
        return new Result(new SeccompRules(defaultAction, arches, rules), flags);
    }

    private static int action(Node n, String key, String action, Long errnoRet) throws ContainerError {
        int errno = errnoRet == null ? EPERM : errnoRet.intValue();
        if (action == null) {
            throw n.error(key, "missing");
        }
        return switch (action) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> SeccompRules.ACT_KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> SeccompRules.ACT_KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> SeccompRules.ACT_TRAP;
            case "SCMP_ACT_ERRNO" -> SeccompRules.errno(errno);
            case "SCMP_ACT_TRACE" -> SeccompRules.trace(errno);
            case "SCMP_ACT_ALLOW" -> SeccompRules.ACT_ALLOW;
            case "SCMP_ACT_LOG" -> SeccompRules.ACT_LOG;
            default -> throw n.error(key, "action " + action + " is not supported");
        };
    }

    private static int compare(Node n, String op) throws ContainerError {
        return switch (op) {
            case "SCMP_CMP_NE" -> 1;
            case "SCMP_CMP_LT" -> 2;
            case "SCMP_CMP_LE" -> 3;
            case "SCMP_CMP_EQ" -> 4;
            case "SCMP_CMP_GE" -> 5;
            case "SCMP_CMP_GT" -> 6;
            case "SCMP_CMP_MASKED_EQ" -> 7;
            default -> throw n.error("op", "unknown comparison " + op);
        };
    }
}
