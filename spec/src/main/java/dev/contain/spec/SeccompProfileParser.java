package dev.contain.spec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads a seccomp profile in docker's JSON format (OCI's {@code linux.seccomp} too), with every problem at its
 * line and column in the profile. JSON is YAML 1.2, so the spec's own composer gives the positions. Checks
 * what docker checks (one of architectures/archMap, one of name/names) and what docker lets pass silently:
 * unknown keys, actions, operators, architectures and capability names are refused with a suggestion, since a
 * misspelt condition would quietly change what the filter allows.
 */
public final class SeccompProfileParser {
    static final List<String> KEYS = List.of("defaultAction", "defaultErrnoRet", "architectures", "archMap", "flags",
            "syscalls", "listenerPath", "listenerMetadata");
    static final List<String> SYSCALL_KEYS = List.of("names", "name", "action", "errnoRet", "args", "includes", "excludes",
            "comment");
    static final List<String> ARG_KEYS = List.of("index", "value", "valueTwo", "op");
    static final List<String> FILTER_KEYS = List.of("caps", "arches", "minKernel");
    static final List<String> ARCH_MAP_KEYS = List.of("architecture", "subArchitectures");
    /** OCI's SCMP_ARCH_* names. */
    public static final List<String> ARCHITECTURES = List.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
            "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
            "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
            "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64");
    /** The arch names of includes/excludes: docker compares them with Go's architecture names (amd64, arm64...). */
    static final List<String> RULE_ARCHES = List.of("x86", "amd64", "x32", "arm", "arm64", "loong64", "loongarch64",
            "mips", "mipsle", "mipsel", "mips64", "mips64n32", "mipsel64", "mips3l64n32", "ppc", "ppc64", "ppc64le",
            "riscv64", "s390", "s390x", "parisc", "parisc64");
    static final List<String> FLAGS = List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    private static final Pattern KERNEL_VERSION = Pattern.compile("[0-9]+\\.[0-9]+");
    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final Yaml yaml;

    private SeccompProfileParser(String displayName) {
        this.yaml = new Yaml(displayName);
    }

    /** The profile, or null with every problem found. */
    public record Result(SeccompProfile profile, List<Problem> problems) {}

    public static Result parse(String text, String displayName) {
        SeccompProfileParser parser = new SeccompProfileParser(displayName);
        // JSON allows tabs wherever it allows spaces, YAML not for indentation; a raw tab is never inside a
        // valid JSON string, so each becomes a space (columns stay as they are). Composed with the spec's own
        // bounded composer: a profile is untrusted input too (depth, size, aliases).
        Node root = SpecParser.compose(parser.yaml, text.replace('\t', ' '), "JSON");
        if (root == null) {
            return new Result(null, List.copyOf(parser.yaml.problems()));
        }
        SeccompProfile profile = parser.profile(root);
        List<Problem> problems = new java.util.ArrayList<>(parser.yaml.problems());
        if (problems.size() > 1) {
            problems.sort(java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        }
        return new Result(problems.isEmpty() ? profile : null, List.copyOf(problems));
    }

    private SeccompProfile profile(Node root) {
        Map<String, Node> f = fields(root, "the seccomp profile", KEYS);
        if (!(root instanceof MappingNode)) {
            return null;
        }
        SeccompProfile.Action defaultAction = null;
        if (!f.containsKey("defaultAction")) {
            yaml.error(root, "the seccomp profile needs a defaultAction, like SCMP_ACT_ERRNO");
        } else {
            defaultAction = action(f.get("defaultAction"), "defaultAction");
        }
        Integer defaultErrno = f.containsKey("defaultErrnoRet") ? errno(f.get("defaultErrnoRet"), "defaultErrnoRet") : null;
        if (f.containsKey("architectures") && f.containsKey("archMap")) {
            yaml.error(f.get("archMap"), "use either architectures or archMap, not both");
        }
        List<String> architectures = strings(f.get("architectures"), "architectures", ARCHITECTURES, "architecture");
        List<SeccompProfile.ArchMap> archMap = new ArrayList<>();
        yaml.forEach(f.get("archMap"), "archMap", (node, what) -> {
            Map<String, Node> m = fields(node, what, ARCH_MAP_KEYS);
            if (!m.containsKey("architecture")) {
                if (node instanceof MappingNode) {
                    yaml.error(node, what + " needs an architecture, like SCMP_ARCH_X86_64");
                }
                return;
            }
            String arch = known(m.get("architecture"), what + ".architecture", ARCHITECTURES, "architecture");
            List<String> subs = strings(m.get("subArchitectures"), what + ".subArchitectures", ARCHITECTURES, "architecture");
            if (arch != null) {
                archMap.add(new SeccompProfile.ArchMap(arch, subs));
            }
        });
        List<String> flags = strings(f.get("flags"), "flags", FLAGS, "seccomp flag");
        if (f.containsKey("listenerPath") || f.containsKey("listenerMetadata")) {
            Node n = f.containsKey("listenerPath") ? f.get("listenerPath") : f.get("listenerMetadata");
            yaml.error(n, "seccomp notify listeners are not supported by contain");
        }
        List<SeccompProfile.Syscall> syscalls = new ArrayList<>();
        yaml.forEach(f.get("syscalls"), "syscalls", (node, what) -> {
            SeccompProfile.Syscall s = syscall(node, what);
            if (s != null) {
                syscalls.add(s);
            }
        });
        return defaultAction == null ? null
                : new SeccompProfile(defaultAction, defaultErrno, architectures, archMap, flags, syscalls);
    }

    private SeccompProfile.Syscall syscall(Node node, String what) {
        Map<String, Node> f = fields(node, what, SYSCALL_KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        List<String> names = new ArrayList<>();
        if (f.containsKey("name") && f.containsKey("names")) {
            yaml.error(f.get("name"), "use either name or names, not both");
        } else if (f.containsKey("name")) {
            String name = syscallName(f.get("name"), what + ".name");
            if (name != null) {
                names.add(name);
            }
        } else if (f.containsKey("names")) {
            yaml.forEach(f.get("names"), what + ".names", (n, w) -> {
                String name = syscallName(n, w);
                if (name != null) {
                    names.add(name);
                }
            });
        } else {
            yaml.error(node, what + " needs names, a list of syscalls");
        }
        SeccompProfile.Action action = null;
        if (!f.containsKey("action")) {
            yaml.error(node, what + " needs an action, like SCMP_ACT_ALLOW");
        } else {
            action = action(f.get("action"), what + ".action");
        }
        Integer errno = null;
        if (f.containsKey("errnoRet")) {
            errno = errno(f.get("errnoRet"), what + ".errnoRet");
            if (action != null && action != SeccompProfile.Action.ERRNO && action != SeccompProfile.Action.TRACE) {
                yaml.error(f.get("errnoRet"), "errnoRet only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE");
            }
        }
        if (f.containsKey("comment")) {
            yaml.text(f.get("comment"), what + ".comment");
        }
        List<SeccompProfile.Arg> args = new ArrayList<>();
        yaml.forEach(f.get("args"), what + ".args", (n, w) -> {
            SeccompProfile.Arg arg = arg(n, w);
            if (arg != null) {
                args.add(arg);
            }
        });
        SeccompProfile.Filter includes = filter(f.get("includes"), what + ".includes");
        SeccompProfile.Filter excludes = filter(f.get("excludes"), what + ".excludes");
        return action == null || includes == null || excludes == null ? null
                : new SeccompProfile.Syscall(names, action, errno, args, includes, excludes);
    }

    private SeccompProfile.Arg arg(Node node, String what) {
        Map<String, Node> f = fields(node, what, ARG_KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        Long index = null;
        if (!f.containsKey("index")) {
            yaml.error(node, what + " needs an index, the argument's position from 0 to 5");
        } else {
            index = yaml.integer(f.get("index"), what + ".index");
            if (index != null && (index < 0 || index > 5)) {
                yaml.error(f.get("index"), what + ".index must be between 0 and 5: a syscall has at most 6 arguments");
                index = null;
            }
        }
        Long value = f.containsKey("value") ? u64(f.get("value"), what + ".value") : Long.valueOf(0);
        Long valueTwo = f.containsKey("valueTwo") ? u64(f.get("valueTwo"), what + ".valueTwo") : Long.valueOf(0);
        SeccompProfile.Op op = null;
        if (!f.containsKey("op")) {
            yaml.error(node, what + " needs an op, like SCMP_CMP_EQ");
        } else {
            String text = yaml.string(f.get("op"), what + ".op");
            List<String> ops = java.util.stream.Stream.of(SeccompProfile.Op.values()).map(SeccompProfile.Op::jsonName).toList();
            if (text != null && !ops.contains(text)) {
                yaml.error(f.get("op"), "unknown comparison " + Shown.quote(text) + Suggestions.didYouMean(text, ops)
                        + "; use one of " + String.join(", ", ops));
            } else if (text != null) {
                op = SeccompProfile.Op.valueOf(text.substring("SCMP_CMP_".length()));
            }
        }
        return index == null || value == null || valueTwo == null || op == null ? null
                : new SeccompProfile.Arg(index.intValue(), value, valueTwo, op);
    }

    private SeccompProfile.Filter filter(Node node, String what) {
        if (node == null) {
            return SeccompProfile.Filter.NONE;
        }
        Map<String, Node> f = fields(node, what, FILTER_KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        List<Capability> caps = new ArrayList<>();
        boolean[] bad = {false};
        yaml.forEach(f.get("caps"), what + ".caps", (n, w) -> {
            String text = yaml.string(n, w);
            if (text == null) {
                bad[0] = true;
            } else if (Capability.parse(text).isEmpty() || !text.startsWith("CAP_")) {
                yaml.error(n, "unknown capability " + Shown.quote(text) + SecurityParser.capabilityHint(text, true));
                bad[0] = true;
            } else {
                caps.add(Capability.parse(text).get());
            }
        });
        List<String> arches = strings(f.get("arches"), what + ".arches", RULE_ARCHES, "architecture");
        String minKernel = null;
        if (f.containsKey("minKernel")) {
            minKernel = yaml.string(f.get("minKernel"), what + ".minKernel");
            if (minKernel != null && !KERNEL_VERSION.matcher(minKernel).matches()) {
                yaml.error(f.get("minKernel"), what + ".minKernel " + Shown.quote(minKernel) + " must be a kernel version like 4.8");
                bad[0] = true;
            }
        }
        return bad[0] ? null : new SeccompProfile.Filter(caps, arches, minKernel);
    }

    private SeccompProfile.Action action(Node node, String what) {
        String text = yaml.string(node, what);
        if (text == null) {
            return null;
        }
        List<String> actions = java.util.stream.Stream.of(SeccompProfile.Action.values()).map(SeccompProfile.Action::jsonName).toList();
        if (text.equals("SCMP_ACT_NOTIFY")) {
            yaml.error(node, "SCMP_ACT_NOTIFY needs a seccomp notify listener, which contain does not support");
            return null;
        }
        if (!actions.contains(text)) {
            yaml.error(node, "unknown action " + Shown.quote(text) + Suggestions.didYouMean(text, actions)
                    + "; use one of " + String.join(", ", actions));
            return null;
        }
        return SeccompProfile.Action.valueOf(text.substring("SCMP_ACT_".length()));
    }

    private Integer errno(Node node, String what) {
        Long n = yaml.integer(node, what);
        if (n != null && (n < 0 || n > 4095)) {
            yaml.error(node, what + " must be an errno number between 0 and 4095, like 1 (EPERM)");
            return null;
        }
        return n == null ? null : n.intValue();
    }

    private String syscallName(Node node, String what) {
        String name = yaml.string(node, what);
        if (name != null && !name.matches("[a-z_][a-z0-9_]*")) {
            yaml.error(node, Shown.quote(name) + " is not a syscall name (lowercase letters, digits and _, like openat)");
            return null;
        }
        return name;
    }

    /** A JSON number from 0 to 2^64-1, kept in a long's 64 bits (the unsigned value seccomp compares). */
    private Long u64(Node node, String what) {
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
            try {
                BigInteger v = new BigInteger(s.getValue());
                if (v.signum() >= 0 && v.compareTo(MAX_U64) <= 0) {
                    return v.longValue();
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        String shown = node instanceof ScalarNode s && !s.getTag().equals(Tag.STR) ? s.getValue() : Yaml.kind(node);
        yaml.error(node, what + " must be a whole number from 0 to 18446744073709551615, not " + shown);
        return null;
    }

    /** A list of names from {@code known}; an unknown one is reported with a suggestion and left out. */
    private List<String> strings(Node node, String what, List<String> known, String kind) {
        List<String> out = new ArrayList<>();
        yaml.forEach(node, what, (n, w) -> {
            String s = known(n, w, known, kind);
            if (s != null) {
                out.add(s);
            }
        });
        return out;
    }

    private String known(Node node, String what, List<String> known, String kind) {
        String text = yaml.string(node, what);
        if (text != null && !known.contains(text)) {
            yaml.error(node, "unknown " + kind + " " + Shown.quote(text) + Suggestions.didYouMean(text, known));
            return null;
        }
        return text;
    }

    /** A JSON object's keys; a key whose value is null counts as absent, as in docker's Go decoding of a profile. */
    private Map<String, Node> fields(Node node, String where, List<String> known) {
        Map<String, Node> f = yaml.fields(node, where, known);
        f.values().removeIf(v -> v instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
        return f;
    }
}
