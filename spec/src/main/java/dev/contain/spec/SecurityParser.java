package dev.contain.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * The spec's security keys: {@code capabilities}, {@code noNewPrivileges}, {@code seccomp}, {@code rlimits},
 * {@code privileged}. A seccomp profile file is read and checked here, so {@code contain validate} reports its
 * problems at their line and column in the profile.
 */
final class SecurityParser {
    static final List<String> KEYS = List.of("capabilities", "noNewPrivileges", "seccomp", "rlimits", "privileged");
    static final List<String> CAPABILITY_KEYS = List.of("add", "drop");

    private final Yaml yaml;
    private final Path baseDir;
    private final List<Problem> profileProblems;

    /** Problems inside a profile file are added to {@code profileProblems}: they are another file's. */
    SecurityParser(Yaml yaml, Path baseDir, List<Problem> profileProblems) {
        this.yaml = yaml;
        this.baseDir = baseDir;
        this.profileProblems = profileProblems;
    }

    /** From the spec's top-level keys; null when something is wrong (reported). */
    Security security(Map<String, Node> top) {
        Node privilegedNode = top.get("privileged");
        Boolean privileged = privilegedNode == null ? Boolean.FALSE : yaml.bool(privilegedNode, "privileged");
        Security.Capabilities caps = top.containsKey("capabilities") ? capabilities(top.get("capabilities"))
                : Security.Capabilities.NONE;
        Boolean nnp = top.containsKey("noNewPrivileges") ? yaml.bool(top.get("noNewPrivileges"), "noNewPrivileges") : Boolean.TRUE;
        Security.Seccomp seccomp = top.containsKey("seccomp") ? seccomp(top.get("seccomp")) : new Security.Seccomp.Default();
        List<Rlimit.Value> rlimits = rlimits(top.get("rlimits"));
        if (Boolean.TRUE.equals(privileged)) {
            conflict(top.get("capabilities"), "capabilities", "keeps every capability");
            conflict(top.get("seccomp"), "seccomp", "loads no seccomp filter");
            if (top.containsKey("noNewPrivileges") && Boolean.TRUE.equals(nnp)) {
                conflict(top.get("noNewPrivileges"), "noNewPrivileges: true", "leaves no_new_privs off");
            }
        }
        if (privileged == null || caps == null || nnp == null || seccomp == null || rlimits == null) {
            return null;
        }
        return privileged ? new Security(Security.Capabilities.NONE, false, new Security.Seccomp.Unconfined(), rlimits, true)
                : new Security(caps, nnp, seccomp, rlimits, false);
    }

    private void conflict(Node node, String key, String why) {
        if (node != null) {
            yaml.error(node, key + " has no effect with privileged: true, which " + why + "; remove one of them");
        }
    }

    private Security.Capabilities capabilities(Node node) {
        Map<String, Node> f = yaml.fields(node, "capabilities", CAPABILITY_KEYS);
        if (!(node instanceof MappingNode)) {
            return null;
        }
        Set<Capability> add = EnumSet.noneOf(Capability.class);
        Set<Capability> drop = EnumSet.noneOf(Capability.class);
        boolean[] all = new boolean[2];
        boolean ok = capabilityList(f.get("add"), "capabilities.add", add, all, 0)
                & capabilityList(f.get("drop"), "capabilities.drop", drop, all, 1);
        if (all[0] && all[1]) {
            yaml.error(f.get("drop"), "capabilities adds ALL and drops ALL; keep one of them");
            ok = false;
        }
        if (!ok) {
            return null;
        }
        Set<Capability> both = EnumSet.copyOf(add);
        both.retainAll(drop);
        if (!both.isEmpty()) {
            yaml.error(f.get("drop"), "capabilities.drop: " + names(both) + (both.size() == 1 ? " is" : " are")
                    + " also in add; keep one of them");
            return null;
        }
        return new Security.Capabilities(add, drop, all[0], all[1]);
    }

    private boolean capabilityList(Node node, String what, Set<Capability> out, boolean[] all, int slot) {
        boolean[] ok = {true};
        yaml.forEach(node, what, (item, w) -> {
            String text = yaml.string(item, w);
            if (text == null) {
                ok[0] = false;
            } else if (text.equalsIgnoreCase("ALL")) {
                all[slot] = true;
            } else if (Capability.parse(text).isEmpty()) {
                yaml.error(item, "unknown capability " + Shown.quote(text) + capabilityHint(text, false));
                ok[0] = false;
            } else if (!out.add(Capability.parse(text).get())) {
                yaml.error(item, "capability " + Shown.quote(text) + " is listed twice in " + what);
                ok[0] = false;
            }
        });
        return ok[0] && (node == null || node instanceof org.snakeyaml.engine.v2.nodes.SequenceNode);
    }

    /** " (did you mean 'SYS_ADMIN'?)" in the style of the typo (with CAP_ when it has it), or a hint where to look. */
    static String capabilityHint(String typo, boolean requirePrefix) {
        boolean prefixed = typo.toUpperCase(Locale.ROOT).startsWith("CAP_");
        String bare = prefixed ? typo.substring(4) : typo;
        if (requirePrefix && !prefixed && Capability.parse(typo).isPresent()) {
            return " (did you mean 'CAP_" + Capability.parse(typo).get().name() + "'?)";
        }
        List<String> names = Stream.of(Capability.values()).map(Capability::name).toList();
        return Suggestions.nearest(bare.toUpperCase(Locale.ROOT), names)
                .map(n -> " (did you mean '" + (prefixed || requirePrefix ? "CAP_" + n : n) + "'?)")
                .orElse("; see capabilities(7)");
    }

    private Security.Seccomp seccomp(Node node) {
        String text = yaml.path(node, "seccomp");
        if (text == null) {
            return null;
        }
        if (text.equals("default")) {
            return new Security.Seccomp.Default();
        }
        if (text.equals("unconfined")) {
            return new Security.Seccomp.Unconfined();
        }
        if (text.isBlank()) {
            yaml.error(node, "seccomp must be default, unconfined, or the path of a JSON profile, like ./profile.json");
            return null;
        }
        Path file = yaml.hostPath(node, "seccomp", baseDir, text);
        if (file == null) {
            return null;
        }
        // problems name the profile as the user would: beside the spec as the spec was named, or as written
        String shown = text.startsWith("/") ? text : Path.of(yaml.file()).resolveSibling(text).normalize().toString();
        if (!Files.exists(file)) {
            yaml.error(node, "seccomp profile " + Shown.quote(shown) + " does not exist" + (text.contains("/") || text.contains(".") ? ""
                    : Suggestions.didYouMean(text, List.of("default", "unconfined"))));
            return null;
        }
        // read as a spec is: a regular file only, at most 1 MiB, strict UTF-8 (SpecSource)
        SpecSource.Read read = SpecSource.read(file, shown, "seccomp profile");
        if (read.problem != null) {
            profileProblems.add(read.problem);
            return null;
        }
        SeccompProfileParser.Result r = SeccompProfileParser.parse(read.text, shown);
        profileProblems.addAll(r.problems());
        return r.profile() == null ? null : new Security.Seccomp.Profile(file, sha256(read.text), r.profile());
    }

    private List<Rlimit.Value> rlimits(Node node) {
        List<Rlimit.Value> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!(node instanceof MappingNode mapping)) {
            yaml.error(node, "rlimits must be a mapping of name: soft:hard, like { nofile: 1024:4096 }, not " + Yaml.kind(node));
            return null;
        }
        List<String> keys = Stream.of(Rlimit.values()).map(Rlimit::key).toList();
        int before = yaml.problems().size();
        Set<Rlimit> seen = EnumSet.noneOf(Rlimit.class);
        for (NodeTuple t : mapping.getValue()) {
            String key = yaml.string(t.getKeyNode(), "an rlimit name");
            if (key == null) {
                continue;
            }
            String bare = key.toLowerCase(Locale.ROOT).replaceFirst("^rlimit_", "");
            if (!keys.contains(key)) {
                String hint = keys.contains(bare) ? " (did you mean '" + bare + "'?)" : Suggestions.didYouMean(key, keys);
                yaml.error(t.getKeyNode(), "unknown rlimit " + Shown.quote(key) + hint + "; known: " + String.join(", ", keys));
                continue;
            }
            Rlimit resource = Rlimit.valueOf(key.toUpperCase(Locale.ROOT));
            if (!seen.add(resource)) {
                yaml.error(t.getKeyNode(), "duplicate rlimit " + Shown.quote(key));
                continue;
            }
            Rlimit.Value value = rlimit(resource, t.getValueNode());
            if (value != null) {
                out.add(value);
            }
        }
        return yaml.problems().size() == before ? out : null;
    }

    /** 1024, unlimited, 1024:4096, 0:unlimited. One value sets both limits. */
    private Rlimit.Value rlimit(Rlimit resource, Node node) {
        String what = "rlimits." + resource.key();
        String text = node instanceof ScalarNode s && (s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.STR)) ? s.getValue() : null;
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length < 1 || parts.length > 2) {
            yaml.error(node, what + " must be a limit or soft:hard (whole numbers or unlimited), like 1024:4096, not "
                    + (text == null ? Yaml.kind(node) : Shown.quote(text)));
            return null;
        }
        long soft = limit(parts[0]);
        long hard = parts.length == 2 ? limit(parts[1]) : soft;
        if (soft == -2 || hard == -2) {
            yaml.error(node, what + " must be a limit or soft:hard (whole numbers or unlimited), like 1024:4096, not " + Shown.quote(text));
            return null;
        }
        if (hard != Rlimit.Value.UNLIMITED && (soft == Rlimit.Value.UNLIMITED || Long.compareUnsigned(soft, hard) > 0)) {
            yaml.error(node, what + ": the soft limit " + Rlimit.Value.text(soft) + " is above the hard limit " + hard);
            return null;
        }
        return new Rlimit.Value(resource, soft, hard);
    }

    /** A limit, {@link Rlimit.Value#UNLIMITED}, or -2 when it is not one. */
    private static long limit(String text) {
        if (text.equals("unlimited")) {
            return Rlimit.Value.UNLIMITED;
        }
        if (!text.matches("[0-9]{1,18}")) {
            return -2;
        }
        return Long.parseLong(text);
    }

    private static String names(Set<Capability> caps) {
        return String.join(", ", caps.stream().map(Capability::name).toList());
    }

    /** Of the text that was parsed (the file's bytes: it is strict UTF-8). */
    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
