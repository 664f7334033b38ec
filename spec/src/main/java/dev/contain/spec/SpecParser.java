package dev.contain.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * container.yaml to {@link ContainerSpec}: composes the YAML tree with positions (no reflection, no
 * binding library), checks every key and value, applies defaults and reports all problems at once.
 */
public final class SpecParser {
    public static final List<String> TOP_KEYS = List.of("name", "image", "layers", "command", "args", "env",
            "workdir", "user", "hostname", "resources", "network", "namespaces", "users", "mounts",
            "readonlyRootfs", "init", "cgroupParent", "capabilities", "noNewPrivileges", "seccomp", "rlimits", "privileged");
    public static final List<String> RESOURCE_KEYS = List.of("memory", "swap", "cpu", "cpuWeight", "pids");
    public static final List<String> USERS_KEYS = List.of("uid", "gid");
    public static final List<String> MAPPING_KEYS = List.of("container", "host", "size");
    /** The kernel refuses a CFS quota under 1 ms; with the usual 100 ms period that is 1% of a CPU. */
    public static final double MIN_CPU_PERCENT = 1.0;
    public static final long MIN_MEMORY = 1L << 20;
    private static final long MAX_ID = 4294967294L;
    private static final Pattern USER = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]*|[0-9]+)(?::([A-Za-z_][A-Za-z0-9_.-]*|[0-9]+))?");

    private final Yaml yaml;
    private final Path baseDir;
    /** Problems found in other files the spec names (a seccomp profile), listed after the spec's own. */
    private final List<Problem> otherFiles = new ArrayList<>();
    private final ExecSize execSize;

    private SpecParser(String displayName, Path baseDir) {
        this.yaml = new Yaml(displayName);
        this.baseDir = baseDir;
        this.execSize = new ExecSize(yaml);
    }

    /** Parses a spec file; problems name the file as the user wrote it. */
    public static SpecResult parseFile(Path file) {
        return parseFile(file, List.of());
    }

    /** Parses a spec file with command-line overrides (see {@link SpecOverrides}) applied to its tree. */
    public static SpecResult parseFile(Path file, List<NodeTuple> overrides) {
        SpecSource.Read read = SpecSource.read(file, file.toString());
        if (read.problem != null) {
            return new SpecResult(null, List.of(read.problem));
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        return parse(read.text, file.toString(), dir, stem(file), file.toAbsolutePath(), overrides);
    }

    /** A spec file's bytes as {@link #parseFile} reads them: for tests that make thousands of files' worth. */
    static SpecResult parseBytes(byte[] bytes, String displayName, Path baseDir) {
        SpecSource.Read read = SpecSource.decode(bytes, displayName);
        if (read.problem != null) {
            return new SpecResult(null, List.of(read.problem));
        }
        return parse(read.text, displayName, baseDir, "spec", baseDir.resolve("spec.yaml"), List.of());
    }

    /**
     * Parses spec text. {@code defaultName} is used when the spec has no name; {@code file} may be null
     * for a spec made only of command-line values.
     */
    public static SpecResult parse(String text, String displayName, Path baseDir, String defaultName,
                                   Path file, List<NodeTuple> overrides) {
        SpecParser parser = new SpecParser(displayName, baseDir);
        Node root = compose(parser.yaml, text, "YAML");
        if (root == null) {
            return new SpecResult(null, List.copyOf(parser.yaml.problems()));
        }
        if (root instanceof MappingNode mapping && !overrides.isEmpty()) {
            root = SpecOverrides.applyTo(mapping, overrides, parser.yaml);
        }
        ContainerSpec spec = parser.spec(root, defaultName, file);
        List<Problem> problems = new ArrayList<>(parser.yaml.problems());
        if (problems.size() > 1) { // a valid spec skips the comparator's method-handle linking (~3 ms cold)
            problems.sort(java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        }
        problems.addAll(parser.otherFiles);
        return new SpecResult(problems.isEmpty() ? spec : null, List.copyOf(problems));
    }

    /**
     * The YAML tree of the text (an empty mapping for an empty text), or null with the problem reported:
     * a syntax error, a character YAML refuses, or a limit crossed (see {@link Limits}), at its position.
     * {@code syntax} names the format in syntax errors (a seccomp profile is JSON, read as the YAML it also is).
     */
    static Node compose(Yaml yaml, String text, String syntax) {
        if (text.length() > Limits.FILE_BYTES) {
            int[] at = Positions.after(text.subSequence(0, Limits.FILE_BYTES));
            yaml.error(at[0], at[1], "the spec is larger than " + (Limits.FILE_BYTES >> 20) + " Mi characters, the most that is read");
            return null;
        }
        LoadSettings settings = settings(yaml.file(), text);
        Optional<Node> quick = QuickYaml.compose(text, settings); // the usual spec's shapes, without snakeyaml's scanner
        return quick.isPresent() ? quick.get() : snakeyaml(yaml, text, syntax, settings);
    }

    static LoadSettings settings(String label, String text) {
        // one buffer for the whole text: snakeyaml copies its window on every refill, which made a long line quadratic
        return LoadSettings.builder().setLabel(label).setBufferSize(text.length() + 1)
                .setCodePointLimit(Limits.FILE_BYTES + 1).setMaxAliasesForCollections(Limits.COLLECTION_ALIASES)
                .setAllowRecursiveKeys(false).build();
    }

    /** snakeyaml's tree of the text, or null with the problem reported (as {@link #compose}). */
    static Node snakeyaml(Yaml yaml, String text, String syntax, LoadSettings settings) {
        BoundedParser events = new BoundedParser(new ParserImpl(settings, new StreamReader(settings, text)));
        try {
            Optional<Node> root = new Composer(settings, events).getSingleNode();
            return root.isPresent() ? root.get() : new MappingNode(org.snakeyaml.engine.v2.nodes.Tag.MAP, new ArrayList<>(),
                    org.snakeyaml.engine.v2.common.FlowStyle.BLOCK);
        } catch (BoundedParser.LimitException e) {
            yaml.error(e.mark, e.getMessage());
        } catch (MarkedYamlEngineException e) {
            String context = e.getContext() == null ? "" : " (" + e.getContext()
                    + e.getContextMark().map(m -> " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse("") + ")";
            yaml.error(e.getProblemMark(), syntax + " syntax: " + cut(e.getProblem().trim()) + cut(context));
        } catch (ReaderException e) {
            int[] at = Positions.ofCodePoint(text, e.getPosition());
            String c = Shown.codePoint(e.getCodePoint());
            yaml.error(at[0], at[1], "YAML does not allow the character " + c + " in a file; in a double-quoted string, write it as " + c);
        } catch (YamlEngineException | IllegalArgumentException e) { // snakeyaml's errors without a position
            yaml.error(events.lastMark(), syntax + " syntax: " + cut(String.valueOf(e.getMessage())));
        }
        return null;
    }

    /** snakeyaml's messages may quote the input (an undefined alias's name): keep them short. */
    private static String cut(String message) {
        return message.length() <= 200 ? message : message.substring(0, 200) + "...";
    }

    private ContainerSpec spec(Node root, String defaultName, Path file) {
        Map<String, Node> f = yaml.fields(root, null, TOP_KEYS);
        if (!(root instanceof MappingNode)) {
            return null;
        }
        String name = name(f.get("name"), defaultName);
        ImageRef image = null;
        if (!f.containsKey("image")) {
            yaml.error(root, "missing required key 'image' (an image name such as busybox, or a path to a rootfs folder or archive)");
        } else {
            String text = yaml.path(f.get("image"), "image");
            if (text != null && text.isBlank()) {
                yaml.error(f.get("image"), "image must not be empty");
            } else if (text != null && yaml.hostPath(f.get("image"), "image", baseDir, text) != null) {
                image = ImageRef.of(text, baseDir);
                if (image instanceof ImageRef.Stored st && !ImageRef.isStoreName(text) && st.reference() == null) {
                    yaml.error(f.get("image"), Shown.quote(text) + " is not an image name: use a stored name like busybox, a reference like "
                            + "alpine:3.19, docker.io/library/alpine:3.19 or alpine@sha256:HEX, or a path to a rootfs folder or archive");
                    image = null;
                }
            }
        }
        List<Path> layers = new ArrayList<>();
        forEach(f.get("layers"), "layers", (node, what) -> {
            String text = yaml.path(node, what);
            if (text != null && text.isBlank()) {
                yaml.error(node, what + " must not be empty");
            } else if (text != null) {
                Path layer = yaml.hostPath(node, what, baseDir, text);
                if (layer != null) {
                    layers.add(layer);
                }
            }
        });
        List<String> command = command(root, f.get("command"), f.get("args"));
        Map<String, String> env = env(f.get("env"));
        String workdir = "/";
        if (f.containsKey("workdir")) {
            String text = yaml.path(f.get("workdir"), "workdir");
            if (text != null && !isAbsoluteContainerPath(text)) {
                yaml.error(f.get("workdir"), "workdir " + Shown.quote(text) + " must be an absolute path in the container without '..', like /app");
            } else if (text != null) {
                workdir = normalizeContainerPath(text);
            }
        }
        UserRef user = user(f.get("user"));
        String hostname = name;
        if (f.containsKey("hostname")) {
            hostname = yaml.string(f.get("hostname"), "hostname");
            if (hostname != null && !Names.isHostname(hostname)) {
                yaml.error(f.get("hostname"), Shown.quote(hostname) + " is not a valid hostname: use letters, digits, '-' "
                        + "and dots (RFC 1123), at most " + Names.HOSTNAME_MAX + " characters");
            }
        }
        Resources resources = f.containsKey("resources") ? resources(f.get("resources")) : Resources.NONE;
        List<Network> networks = new NetworkParser(yaml).networks(f.get("network"));
        Set<Namespace> namespaces = namespaces(f.get("namespaces"), networks);
        List<IdMapping> uids = new ArrayList<>();
        List<IdMapping> gids = new ArrayList<>();
        users(f.get("users"), uids, gids);
        List<Mount> mounts = new MountParser(yaml, baseDir).mounts(f.get("mounts"));
        boolean readonlyRootfs = f.containsKey("readonlyRootfs") && Boolean.TRUE.equals(yaml.bool(f.get("readonlyRootfs"), "readonlyRootfs"));
        boolean init = f.containsKey("init") && Boolean.TRUE.equals(yaml.bool(f.get("init"), "init"));
        String cgroupParent = null;
        if (f.containsKey("cgroupParent")) {
            cgroupParent = yaml.path(f.get("cgroupParent"), "cgroupParent");
            if (cgroupParent != null && (cgroupParent.isBlank() || List.of(cgroupParent.split("/")).contains(".."))) {
                yaml.error(f.get("cgroupParent"), "cgroupParent " + Shown.quote(cgroupParent) + " must be a cgroup path without '..', like contain or /contain");
            }
        }
        Security security = new SecurityParser(yaml, baseDir, otherFiles).security(f);
        checkConsistency(f, name, networks, namespaces, uids);
        checkUserIsMapped(f, user, uids, gids);
        if (name == null || image == null || command == null || user == null || hostname == null
                || resources == null || namespaces == null || security == null) {
            return null;
        }
        return new ContainerSpec(file, name, image, layers, command, env, workdir, user, hostname, resources,
                networks, namespaces, uids, gids, mounts, readonlyRootfs, init, cgroupParent, security, f.keySet());
    }

    private String name(Node node, String defaultName) {
        if (node == null) {
            if (defaultName == null || !Names.isContainerName(defaultName)) {
                yaml.error((Node) null, "no name given, and the file name " + Shown.quote(String.valueOf(defaultName)) + " is not a valid "
                        + "container name; add a key like 'name: web'");
                return null;
            }
            return defaultName;
        }
        String name = yaml.string(node, "name");
        if (name != null && !Names.isContainerName(name)) {
            yaml.error(node, Shown.quote(name) + " is not a valid container name: use lowercase letters, digits and '-', "
                    + "starting and ending with a letter or digit, at most 63 characters (RFC 1123)");
            return null;
        }
        return name;
    }

    private List<String> command(Node root, Node commandNode, Node argsNode) {
        List<String> command = new ArrayList<>();
        if (commandNode == null) { // the image's entrypoint and cmd, with args in place of cmd (see the planner)
            forEach(argsNode, "args", (node, what) -> command.add(argument(node, what)));
            return command.contains(null) ? null : command;
        }
        List<Node> items = yaml.list(commandNode, "command");
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            yaml.error(commandNode, "command must not be empty: name the program to run, like [sh, -c, 'echo hello']");
            return null;
        }
        forEach(commandNode, "command", (node, what) -> command.add(argument(node, what)));
        if (command.get(0) != null && command.get(0).isEmpty()) {
            yaml.error(items.get(0), "command[0] must name a program, not be empty");
        }
        forEach(argsNode, "args", (node, what) -> command.add(argument(node, what)));
        return command.contains(null) ? null : command;
    }

    /** One word of the command line: text that execve takes (see {@link ExecSize}). */
    private String argument(Node node, String what) {
        String text = yaml.text(node, what);
        return text != null && execSize.add(node, what, Limits.utf8Bytes(text)) ? text : null;
    }

    private Map<String, String> env(Node node) {
        Map<String, String> env = new LinkedHashMap<>();
        if (node == null) {
            return env;
        }
        if (!(node instanceof MappingNode mapping)) {
            yaml.error(node, "env must be a mapping of NAME: value, not " + Yaml.kind(node));
            return env;
        }
        for (NodeTuple t : mapping.getValue()) {
            String key = yaml.string(t.getKeyNode(), "an env name");
            if (key == null) {
                continue;
            }
            if (key.isEmpty() || key.contains("=")) {
                yaml.error(t.getKeyNode(), "env name " + Shown.quote(key) + " must be non-empty and must not contain '='");
            } else if (env.containsKey(key)) {
                yaml.error(t.getKeyNode(), "duplicate env name " + Shown.quote(key));
            } else {
                String what = "env " + Shown.plain(key);
                String value = yaml.text(t.getValueNode(), what);
                if (value != null && execSize.add(t.getKeyNode(), what, Limits.utf8Bytes(key) + 1 + Limits.utf8Bytes(value))) {
                    env.put(key, value);
                }
            }
        }
        return env;
    }

    private UserRef user(Node node) {
        if (node == null) {
            return UserRef.ROOT;
        }
        String text = yaml.text(node, "user");
        if (text == null) {
            return null;
        }
        Matcher m = USER.matcher(text);
        if (!m.matches()) {
            yaml.error(node, "user " + Shown.quote(text) + " must be uid[:gid] or name[:group], like 1000:1000 or nobody");
            return null;
        }
        String u = m.group(1);
        String g = m.group(2);
        boolean uNumeric = u.charAt(0) <= '9'; // the pattern's names start with a letter or '_'
        boolean gNumeric = g != null && g.charAt(0) <= '9';
        Long uid = uNumeric ? parseId(node, u) : null;
        Long gid = gNumeric ? parseId(node, g) : null;
        return new UserRef(uid, gid, uNumeric ? null : u, g == null || gNumeric ? null : g);
    }

    private Long parseId(Node node, String digits) {
        try {
            long id = Long.parseLong(digits);
            if (id <= MAX_ID) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        yaml.error(node, "id " + Shown.plain(digits) + " is out of range (0 to " + MAX_ID + ")");
        return null;
    }

    private Resources resources(Node node) {
        Map<String, Node> f = yaml.fields(node, "resources", RESOURCE_KEYS);
        Long memory = f.containsKey("memory") ? yaml.quantity(f.get("memory"), "memory", MIN_MEMORY) : null;
        Long swap = f.containsKey("swap") ? yaml.quantity(f.get("swap"), "swap", 0) : null;
        if (swap != null && !f.containsKey("memory")) {
            yaml.error(f.get("swap"), "swap needs a memory limit: add memory: to resources");
        } else if (swap != null && memory != null && memory > Long.MAX_VALUE - swap) {
            yaml.error(f.get("swap"), "memory and swap together must stay below 8Ei (2^63 bytes); they come to more");
            swap = null;
        }
        Double cpu = f.containsKey("cpu") ? cpu(f.get("cpu")) : null;
        Integer weight = null;
        if (f.containsKey("cpuWeight")) {
            Long w = yaml.integer(f.get("cpuWeight"), "cpuWeight");
            if (w != null && (w < 1 || w > 10000)) {
                yaml.error(f.get("cpuWeight"), "cpuWeight must be between 1 and 10000 (100 is the default share)");
            } else if (w != null) {
                weight = w.intValue();
            }
        }
        Long pids = null;
        if (f.containsKey("pids")) {
            pids = yaml.integer(f.get("pids"), "pids");
            if (pids != null && pids < 1) {
                yaml.error(f.get("pids"), "pids must be at least 1");
                pids = null;
            }
        }
        return new Resources(memory, swap, cpu, weight, pids);
    }

    /** A share of the machine's CPUs in percent of one: at least the kernel's minimum quota, at most all of them. */
    private Double cpu(Node node) {
        String text = node instanceof org.snakeyaml.engine.v2.nodes.ScalarNode s ? s.getValue().trim() : "";
        Optional<Double> parsed = node instanceof org.snakeyaml.engine.v2.nodes.ScalarNode s
                && s.getTag().equals(org.snakeyaml.engine.v2.nodes.Tag.STR) ? Percent.parse(text) : Optional.empty();
        if (parsed.isEmpty() && Percent.parse(text + "%").isPresent()) {
            yaml.error(node, "cpu " + Shown.plain(text) + " needs a % sign: 100% is one CPU, 50% half of one");
        } else if (parsed.isEmpty()) {
            yaml.error(node, "cpu must be a percentage above 0, like 50%");
        } else if (parsed.get() < MIN_CPU_PERCENT) {
            yaml.error(node, "cpu " + Percent.format(parsed.get()) + " is below the kernel's minimum quota "
                    + "of 1 ms per 100 ms period; use at least 1%");
        } else if (parsed.get() > maxCpuPercent()) {
            int cpus = Runtime.getRuntime().availableProcessors();
            yaml.error(node, "cpu " + Shown.plain(text) + " is more than the " + cpus + " CPU" + (cpus == 1 ? "" : "s")
                    + " this machine has; use at most " + maxCpuPercent() + "%");
        } else {
            return parsed.get();
        }
        return null;
    }

    /** All of this machine's CPUs (as the JVM counts them: affinity and a cgroup quota included), as docker allows. */
    static long maxCpuPercent() {
        return Runtime.getRuntime().availableProcessors() * 100L;
    }

    private Set<Namespace> namespaces(Node node, List<Network> networks) {
        boolean sharesNetwork = networks.size() == 1
                && (networks.get(0) instanceof Network.Host || networks.get(0) instanceof Network.Container);
        if (node == null) {
            Set<Namespace> defaults = EnumSet.copyOf(Namespace.DEFAULT);
            if (sharesNetwork) {
                defaults.remove(Namespace.NET);
            }
            return defaults;
        }
        Set<Namespace> set = EnumSet.noneOf(Namespace.class);
        List<String> names = new ArrayList<>();
        for (Namespace ns : Namespace.values()) {
            names.add(ns.key());
        }
        forEach(node, "namespaces", (item, what) -> {
            String text = yaml.string(item, what);
            if (text == null) {
                return;
            }
            if (!names.contains(text)) {
                yaml.error(item, "unknown namespace " + Shown.quote(text) + Suggestions.didYouMean(text, names)
                        + "; known: " + String.join(", ", names));
            } else if (!set.add(Namespace.valueOf(text.toUpperCase(java.util.Locale.ROOT)))) {
                yaml.error(item, "namespace '" + text + "' is listed twice");
            }
        });
        if (node instanceof org.snakeyaml.engine.v2.nodes.SequenceNode && !set.contains(Namespace.MNT)) {
            yaml.error(node, "namespaces must include mnt: the container's root filesystem is mounted in its own mount namespace");
        }
        return set;
    }

    private void users(Node node, List<IdMapping> uids, List<IdMapping> gids) {
        if (node == null) {
            return;
        }
        if (UsersHost.parse(yaml, node, uids, gids)) {
            return;
        }
        Map<String, Node> f = yaml.fields(node, "users", USERS_KEYS);
        if (f.containsKey("gid") && !f.containsKey("uid")) {
            yaml.error(node, "users needs uid mappings; gid mappings alone are not enough");
        }
        mappings(f.get("uid"), "uid", uids);
        if (f.containsKey("gid")) {
            mappings(f.get("gid"), "gid", gids);
        } else {
            gids.addAll(uids);
        }
    }

    private void mappings(Node node, String kind, List<IdMapping> out) {
        if (node instanceof org.snakeyaml.engine.v2.nodes.SequenceNode seq && seq.getValue().isEmpty()) {
            yaml.error(node, "users." + kind + " must list at least one mapping, like { container: 0, host: 100000, size: 65536 }");
            return;
        }
        if (node instanceof org.snakeyaml.engine.v2.nodes.SequenceNode seq && seq.getValue().size() > Limits.ID_MAPPINGS) {
            yaml.error(node, "users." + kind + " has " + seq.getValue().size() + " mappings; the kernel takes at most "
                    + Limits.ID_MAPPINGS + " (UID_GID_MAP_MAX_EXTENTS)");
            return;
        }
        List<Node> seen = new ArrayList<>();
        forEach(node, "users." + kind, (item, what) -> {
            Map<String, Node> f = yaml.fields(item, what, MAPPING_KEYS);
            if (!(item instanceof MappingNode)) {
                return;
            }
            Long container = requiredId(item, f, "container", what);
            Long host = requiredId(item, f, "host", what);
            Long size = f.containsKey("size") ? yaml.integer(f.get("size"), what + ".size") : Long.valueOf(1);
            if (size != null && size < 1) {
                yaml.error(f.get("size"), what + ".size must be at least 1");
                return;
            }
            if (container == null || host == null || size == null) {
                return;
            }
            // ids are 32-bit and (u32)-1 is no id: a range must end at MAX_ID, on both sides (the kernel's own check)
            if (size > MAX_ID + 1 - Math.max(container, host)) {
                yaml.error(f.get("size"), what + ".size " + size + " takes the " + (container >= host ? "container" : "host")
                        + " ids past " + MAX_ID + ", the largest id (ids are 32-bit)");
                return;
            }
            IdMapping mapping = new IdMapping(container, host, size);
            for (int i = 0; i < out.size(); i++) {
                IdMapping other = out.get(i);
                int line = seen.get(i).getStartMark().map(m -> m.getLine() + 1).orElse(0);
                if (mapping.overlapsInContainer(other)) {
                    yaml.error(item, kind + " mapping " + mapping + " overlaps the container ids of the one at line " + line);
                } else if (mapping.overlapsOnHost(other)) {
                    yaml.error(item, kind + " mapping " + mapping + " overlaps the host ids of the one at line " + line);
                }
            }
            out.add(mapping);
            seen.add(item);
        });
    }

    private Long requiredId(Node item, Map<String, Node> f, String key, String what) {
        if (!f.containsKey(key)) {
            yaml.error(item, what + " needs '" + key + "'");
            return null;
        }
        Long id = yaml.integer(f.get(key), what + "." + key);
        if (id != null && (id < 0 || id > MAX_ID)) {
            yaml.error(f.get(key), what + "." + key + " must be between 0 and " + MAX_ID);
            return null;
        }
        return id;
    }

    /** With mappings of its own, the user namespace must contain the ids the command runs as (root when no user is given). */
    private void checkUserIsMapped(Map<String, Node> f, UserRef user, List<IdMapping> uids, List<IdMapping> gids) {
        if (user == null || uids.isEmpty()) {
            return;
        }
        Node where = f.containsKey("user") ? f.get("user") : f.get("users");
        String given = f.containsKey("user") ? "" : " (no user is given: the command runs as root)";
        if (user.uid() != null && !contains(uids, user.uid())) {
            yaml.error(where, "uid " + user.uid() + " is not mapped: no users.uid mapping holds container id " + user.uid() + given);
        }
        if (user.gid() != null && !gids.isEmpty() && !contains(gids, user.gid())) {
            yaml.error(where, "gid " + user.gid() + " is not mapped: no users.gid mapping holds container id " + user.gid() + given);
        }
    }

    private static boolean contains(List<IdMapping> mappings, long id) {
        for (IdMapping m : mappings) {
            if (id >= m.container() && id - m.container() < m.size()) {
                return true;
            }
        }
        return false;
    }

    private void checkConsistency(Map<String, Node> f, String name, List<Network> networks, Set<Namespace> namespaces,
                                  List<IdMapping> uids) {
        if (namespaces == null) {
            return;
        }
        Node nsNode = f.get("namespaces");
        Node netNode = f.get("network");
        if (networks.size() == 1 && networks.get(0) instanceof Network.Container c && c.name().equals(name)) {
            yaml.error(netNode, "network container:" + c.name() + " names this container itself; name another, running container");
        }
        boolean sharesNetwork = networks.size() == 1
                && (networks.get(0) instanceof Network.Host || networks.get(0) instanceof Network.Container);
        if (sharesNetwork && namespaces.contains(Namespace.NET) && nsNode != null) {
            yaml.error(nsNode, "namespaces lists net, but network " + describe(networks.get(0))
                    + " uses another namespace's network; remove net");
        }
        if (!sharesNetwork && !namespaces.contains(Namespace.NET) && nsNode != null && netNode != null) {
            yaml.error(netNode, "this network needs the net namespace; add net to namespaces");
        }
        if (!uids.isEmpty() && !namespaces.contains(Namespace.USER)) {
            yaml.error(f.get("users"), "users maps ids of a user namespace; add user to namespaces");
        }
    }

    private static String describe(Network n) {
        return n instanceof Network.Container c ? "container:" + c.name() : "host";
    }

    /** Calls {@code each} for every item of a list node with a name like "layers[2]"; a non-list is reported. */
    void forEach(Node node, String what, java.util.function.BiConsumer<Node, String> each) {
        if (node == null) {
            return;
        }
        List<Node> items = yaml.list(node, what);
        if (items == null) {
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            each.accept(items.get(i), what + "[" + i + "]");
        }
    }

    static boolean isAbsoluteContainerPath(String path) {
        return path.startsWith("/") && !List.of(path.split("/")).contains("..");
    }

    /**
     * An absolute container path without '.', repeated '/' or a trailing '/' (/srv//www/./ is /srv/www), as
     * text: it names a path in the container, and this JVM's Path cannot hold every name (see Yaml.hostPath).
     */
    static String normalizeContainerPath(String path) {
        StringBuilder s = new StringBuilder(path.length());
        for (String part : path.split("/")) {
            if (!part.isEmpty() && !part.equals(".")) {
                s.append('/').append(part);
            }
        }
        return s.length() == 0 ? "/" : s.toString();
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
