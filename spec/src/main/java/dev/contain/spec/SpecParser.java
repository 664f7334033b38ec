package dev.contain.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * container.yaml to {@link ContainerSpec}: composes the YAML tree with positions (no reflection, no
 * binding library), checks every key and value, applies defaults and reports all problems at once.
 */
public final class SpecParser {
    public static final List<String> TOP_KEYS = List.of("name", "image", "layers", "command", "args", "env",
            "workdir", "user", "hostname", "resources", "network", "namespaces", "users", "mounts",
            "readonlyRootfs", "init", "cgroupParent");
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

    private SpecParser(String displayName, Path baseDir) {
        this.yaml = new Yaml(displayName);
        this.baseDir = baseDir;
    }

    /** Parses a spec file; problems name the file as the user wrote it. */
    public static SpecResult parseFile(Path file) {
        return parseFile(file, List.of());
    }

    /** Parses a spec file with command-line overrides (see {@link SpecOverrides}) applied to its tree. */
    public static SpecResult parseFile(Path file, List<NodeTuple> overrides) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
            return new SpecResult(null, List.of(new Problem(file.toString(), 0, 0, "cannot read spec: " + why)));
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        return parse(text, file.toString(), dir, stem(file), file.toAbsolutePath(), overrides);
    }

    /**
     * Parses spec text. {@code defaultName} is used when the spec has no name; {@code file} may be null
     * for a spec made only of command-line values.
     */
    public static SpecResult parse(String text, String displayName, Path baseDir, String defaultName,
                                   Path file, List<NodeTuple> overrides) {
        SpecParser parser = new SpecParser(displayName, baseDir);
        Node root;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(displayName).build();
            root = new Compose(settings).composeString(text).orElse(null);
        } catch (MarkedYamlEngineException e) {
            String context = e.getContext() == null ? "" : " (" + e.getContext()
                    + e.getContextMark().map(m -> " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse("") + ")";
            parser.yaml.error(e.getProblemMark(), "YAML syntax: " + e.getProblem().trim() + context);
            return new SpecResult(null, parser.yaml.problems());
        } catch (YamlEngineException e) {
            parser.yaml.error((Node) null, "YAML syntax: " + e.getMessage());
            return new SpecResult(null, parser.yaml.problems());
        }
        if (root == null) {
            root = new MappingNode(org.snakeyaml.engine.v2.nodes.Tag.MAP, new ArrayList<>(), 
                    org.snakeyaml.engine.v2.common.FlowStyle.BLOCK);
        }
        if (root instanceof MappingNode mapping && !overrides.isEmpty()) {
            root = SpecOverrides.applyTo(mapping, overrides);
        }
        ContainerSpec spec = parser.spec(root, defaultName, file);
        List<Problem> problems = new ArrayList<>(parser.yaml.problems());
        if (problems.size() > 1) { // a valid spec skips the comparator's method-handle linking (~3 ms cold)
            problems.sort(java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        }
        return new SpecResult(problems.isEmpty() ? spec : null, List.copyOf(problems));
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
            String text = yaml.string(f.get("image"), "image");
            if (text != null && text.isBlank()) {
                yaml.error(f.get("image"), "image must not be empty");
            } else if (text != null) {
                image = ImageRef.of(text, baseDir);
            }
        }
        List<Path> layers = new ArrayList<>();
        forEach(f.get("layers"), "layers", (node, what) -> {
            String text = yaml.string(node, what);
            if (text != null && text.isBlank()) {
                yaml.error(node, what + " must not be empty");
            } else if (text != null) {
                layers.add(baseDir.resolve(text).normalize());
            }
        });
        List<String> command = command(root, f.get("command"), f.get("args"));
        Map<String, String> env = env(f.get("env"));
        String workdir = "/";
        if (f.containsKey("workdir")) {
            String text = yaml.string(f.get("workdir"), "workdir");
            if (text != null && !isAbsoluteContainerPath(text)) {
                yaml.error(f.get("workdir"), "workdir '" + text + "' must be an absolute path in the container without '..', like /app");
            } else if (text != null) {
                workdir = Path.of(text).normalize().toString();
            }
        }
        UserRef user = user(f.get("user"));
        String hostname = name;
        if (f.containsKey("hostname")) {
            hostname = yaml.string(f.get("hostname"), "hostname");
            if (hostname != null && !Names.isHostname(hostname)) {
                yaml.error(f.get("hostname"), "'" + hostname + "' is not a valid hostname: use letters, digits, '-' "
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
            cgroupParent = yaml.string(f.get("cgroupParent"), "cgroupParent");
            if (cgroupParent != null && (cgroupParent.isBlank() || List.of(cgroupParent.split("/")).contains(".."))) {
                yaml.error(f.get("cgroupParent"), "cgroupParent '" + cgroupParent + "' must be a cgroup path without '..', like contain or /contain");
            }
        }
        checkConsistency(f, name, networks, namespaces, uids);
        if (name == null || image == null || command == null || user == null || hostname == null
                || resources == null || namespaces == null) {
            return null;
        }
        return new ContainerSpec(file, name, image, layers, command, env, workdir, user, hostname, resources,
                networks, namespaces, uids, gids, mounts, readonlyRootfs, init, cgroupParent);
    }

    private String name(Node node, String defaultName) {
        if (node == null) {
            if (defaultName == null || !Names.isContainerName(defaultName)) {
                yaml.error((Node) null, "no name given, and the file name '" + defaultName + "' is not a valid "
                        + "container name; add a key like 'name: web'");
                return null;
            }
            return defaultName;
        }
        String name = yaml.string(node, "name");
        if (name != null && !Names.isContainerName(name)) {
            yaml.error(node, "'" + name + "' is not a valid container name: use lowercase letters, digits and '-', "
                    + "starting and ending with a letter or digit, at most 63 characters (RFC 1123)");
            return null;
        }
        return name;
    }

    private List<String> command(Node root, Node commandNode, Node argsNode) {
        List<String> command = new ArrayList<>();
        if (commandNode == null) {
            yaml.error(root, "missing required key 'command' (a list, like [sh, -c, 'echo hello'])");
            return null;
        }
        List<Node> items = yaml.list(commandNode, "command");
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            yaml.error(commandNode, "command must not be empty: name the program to run, like [sh, -c, 'echo hello']");
            return null;
        }
        forEach(commandNode, "command", (node, what) -> command.add(yaml.text(node, what)));
        if (command.get(0) != null && command.get(0).isEmpty()) {
            yaml.error(items.get(0), "command[0] must name a program, not be empty");
        }
        forEach(argsNode, "args", (node, what) -> command.add(yaml.text(node, what)));
        return command.contains(null) ? null : command;
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
            if (key.isEmpty() || key.contains("=") || key.contains("\0")) {
                yaml.error(t.getKeyNode(), "env name '" + key + "' must be non-empty and must not contain '='");
            } else if (env.containsKey(key)) {
                yaml.error(t.getKeyNode(), "duplicate env name '" + key + "'");
            } else {
                String value = yaml.text(t.getValueNode(), "env " + key);
                if (value != null) {
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
            yaml.error(node, "user '" + text + "' must be uid[:gid] or name[:group], like 1000:1000 or nobody");
            return null;
        }
        String u = m.group(1);
        String g = m.group(2);
        boolean uNumeric = Character.isDigit(u.charAt(0));
        boolean gNumeric = g != null && Character.isDigit(g.charAt(0));
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
        yaml.error(node, "id " + digits + " is out of range (0 to " + MAX_ID + ")");
        return null;
    }

    private Resources resources(Node node) {
        Map<String, Node> f = yaml.fields(node, "resources", RESOURCE_KEYS);
        Long memory = f.containsKey("memory") ? yaml.quantity(f.get("memory"), "memory", MIN_MEMORY) : null;
        Long swap = f.containsKey("swap") ? yaml.quantity(f.get("swap"), "swap", 0) : null;
        if (swap != null && !f.containsKey("memory")) {
            yaml.error(f.get("swap"), "swap needs a memory limit: add memory: to resources");
        }
        Double cpu = null;
        if (f.containsKey("cpu")) {
            Node cpuNode = f.get("cpu");
            Optional<Double> parsed = Yaml.isScalar(cpuNode) ? Percent.parse(((org.snakeyaml.engine.v2.nodes.ScalarNode) cpuNode).getValue())
                    : Optional.empty();
            if (parsed.isEmpty() || !(cpuNode instanceof org.snakeyaml.engine.v2.nodes.ScalarNode s)
                    || !s.getTag().equals(org.snakeyaml.engine.v2.nodes.Tag.STR)) {
                yaml.error(cpuNode, "cpu must be a percentage above 0, like 50%");
            } else if (parsed.get() < MIN_CPU_PERCENT) {
                yaml.error(cpuNode, "cpu " + Percent.format(parsed.get()) + " is below the kernel's minimum quota "
                        + "of 1 ms per 100 ms period; use at least 1%");
            } else {
                cpu = parsed.get();
            }
        }
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
                yaml.error(item, "unknown namespace '" + text + "'" + Suggestions.didYouMean(text, names)
                        + "; known: " + String.join(", ", names));
            } else if (!set.add(Namespace.valueOf(text.toUpperCase()))) {
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

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
