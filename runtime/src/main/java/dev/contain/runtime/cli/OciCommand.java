package dev.contain.runtime.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.contain.runtime.base.Signals;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.engine.Engine;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.engine.RunResult;
import dev.contain.runtime.oci.OciRuntime;
import dev.contain.runtime.oci.OciSpec;
import dev.contain.runtime.json.JsonWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code contain oci ...}, or {@code contain-oci ...}: runc's command line, so podman, CRI-O and containerd
 * can run contain as their OCI runtime. Parsed by hand, as runc's urfave/cli takes it ({@code --opt value},
 * {@code --opt=value}, one or two dashes), since its global {@code --root} is the state root, not contain's.
 * An error goes to stderr and, with {@code --log}, to the log in the format asked ({@code --log-format json}:
 * {@code {"level":"error","msg":...,"time":...}}, as conmon and containerd's shim read it); exit 1, as runc.
 */
public final class OciCommand {
    public static final Path DEFAULT_ROOT = Path.of("/run/contain-oci");
    static final String NAME = "contain-oci";
    private static final Set<String> GLOBAL_VALUED = Set.of("root", "log", "log-format", "data-root", "criu", "rootless");
    private static final Set<String> GLOBAL_FLAGS = Set.of("debug", "systemd-cgroup");
    private static final String USAGE = """
            usage: contain-oci [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [OPTIONS] ID
            commands:
              create --bundle DIR [--pid-file FILE] [--preserve-fds N] [--no-new-keyring] ID   set up, its process waits before exec
              start ID                          exec the created container's command
              state ID                          the OCI state as JSON
              kill [--all] ID [SIGNAL]          a signal (name or number; default SIGTERM); --all: every process
              ps [--format table|json] ID [PS-ARGS]  its processes (json: their pids; table: ps -ef's lines of them)
              pause ID / resume ID              freeze / thaw every process of the container
              update [--resources FILE|-] [--memory N] [--memory-swap N] [--cpu-shares N] [--cpu-quota N]
                     [--cpu-period N] [--cpuset-cpus LIST] [--pids-limit N] ID   new limits
              delete [--force] ID               remove a stopped or created container (--force: a running one)
              exec [--detach] [--pid-file FILE] [--tty] [--console-socket SOCK] [--cwd DIR] [--env K=V]...
                   [--user UID[:GID]] [--additional-gids GID]... [--cap CAP]... [--no-new-privs] [--preserve-fds N]
                   (--process FILE ID | ID COMMAND [ARG...])  a process in a created or running container
              run --bundle DIR [--pid-file FILE] [--preserve-fds N] ID   create, start, wait, delete: the command's code
              list [--format table|json]        the containers under --root
              spec [--bundle DIR] [--rootless]  write a default config.json
              features                          what this runtime supports, as JSON
            """;

    private final Map<String, String> global = new HashMap<>();
    private final Set<String> globalFlags = new java.util.HashSet<>();
    private final PrintStream out;
    private final PrintStream err;
    private final java.io.InputStream in;

    private OciCommand(PrintStream out, PrintStream err, java.io.InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    public static int execute(String... args) {
        return new OciCommand(System.out, System.err, System.in).run(args);
    }

    /** A command's options (the last of each, and every one of the repeatable), flags and operands, parsed. */
    record Args(Map<String, String> options, Map<String, List<String>> all, Set<String> flags, List<String> operands) {
        String option(String name) {
            return options.get(name);
        }

        /** Every value of an option given under any of its names (--env and -e), in order. */
        List<String> all(String... names) {
            List<String> out = new ArrayList<>();
            for (String n : names) {
                out.addAll(all.getOrDefault(n, List.of()));
            }
            return out;
        }
    }

    private int run(String[] args) {
        int i = 0;
        for (; i < args.length && args[i].startsWith("-"); i++) {
            String[] kv = split(args[i]);
            if (GLOBAL_FLAGS.contains(kv[0]) || kv[0].equals("help") || kv[0].equals("h") || kv[0].equals("version") || kv[0].equals("v")) {
                globalFlags.add(kv[0]);
            } else if (GLOBAL_VALUED.contains(kv[0])) {
                String v = kv[1] != null ? kv[1] : i + 1 < args.length ? args[++i] : null;
                if (v == null) {
                    return usage("option --" + kv[0] + " needs a value");
                }
                global.put(kv[0], v);
            } else {
                return usage("unknown global option " + args[i]);
            }
        }
        if (globalFlags.contains("version") || globalFlags.contains("v")) {
            out.println("contain-oci version " + Main.version().substring("contain ".length()) + "\nspec: " + OciRuntime.OCI_VERSION);
            return 0;
        }
        if (i == args.length || globalFlags.contains("help") || globalFlags.contains("h")) {
            out.print(USAGE);
            return i == args.length && !globalFlags.contains("help") && !globalFlags.contains("h") ? 2 : 0;
        }
        String command = args[i];
        if (NOT_YET.contains(command)) { // runc's, known but not done: said so, not as a usage error
            return fail(command + ": not supported yet by contain-oci (create, start, state, kill, delete, run, list, ps, pause, resume, update, spec, features are)",
                    new UnsupportedOperationException(command));
        }
        String id = null;
        try {
            Args a = parse(command, java.util.Arrays.copyOfRange(args, i + 1, args.length));
            id = a.operands().isEmpty() ? null : a.operands().get(0);
            return dispatch(command, a);
        } catch (UsageError e) {
            return usage(e.getMessage());
        } catch (ContainerError e) {
            return fail(e.userMessage(), e, command.equals("exec") ? 255 : 1); // runc's exec fails with 255
        } catch (IOException | RuntimeException e) {
            return fail((id == null ? "" : id + ": ") + command + ": " + e, e);
        }
    }

    private static final class UsageError extends Exception {
        UsageError(String message) {
            super(message);
        }
    }

    /** runc's commands this runtime does not have yet. */
    private static final Set<String> NOT_YET = Set.of("events", "checkpoint", "restore");

    /** Each command's valued options and flags, as runc names them. */
    private static final Map<String, Set<String>> VALUED = Map.ofEntries(
            Map.entry("create", Set.of("bundle", "b", "pid-file", "console-socket", "preserve-fds")),
            Map.entry("run", Set.of("bundle", "b", "pid-file", "console-socket", "preserve-fds")),
            Map.entry("delete", Set.of()), Map.entry("start", Set.of()), Map.entry("state", Set.of()), Map.entry("kill", Set.of()),
            Map.entry("list", Set.of("format", "f")), Map.entry("spec", Set.of("bundle", "b")), Map.entry("features", Set.of()),
            Map.entry("exec", Set.of("process", "p", "pid-file", "console-socket", "cwd", "env", "e", "user", "u", "additional-gids",
                    "g", "cap", "c", "process-label", "apparmor", "preserve-fds", "cgroup")),
            Map.entry("ps", Set.of("format", "f")), Map.entry("pause", Set.of()), Map.entry("resume", Set.of()),
            Map.entry("update", Set.of("resources", "r", "memory", "memory-swap", "memory-reservation", "kernel-memory",
                    "kernel-memory-tcp", "cpu-shares", "cpu-quota", "cpu-period", "cpu-rt-period", "cpu-rt-runtime", "cpuset-cpus",
                    "cpuset-mems", "pids-limit", "blkio-weight", "l3-cache-schema", "mem-bw-schema", "cpu-idle")));
    private static final Map<String, Set<String>> FLAGS = Map.ofEntries(
            Map.entry("create", Set.of("no-pivot", "no-new-keyring")), Map.entry("run", Set.of("no-pivot", "no-new-keyring", "detach", "d")),
            Map.entry("delete", Set.of("force", "f")), Map.entry("start", Set.of()), Map.entry("state", Set.of()),
            Map.entry("kill", Set.of("all", "a")), Map.entry("list", Set.of("quiet", "q")), Map.entry("spec", Set.of("rootless")),
            Map.entry("features", Set.of()),
            Map.entry("exec", Set.of("detach", "d", "tty", "t", "no-new-privs", "ignore-paused", "no-subreaper")),
            Map.entry("ps", Set.of()), Map.entry("pause", Set.of()), Map.entry("resume", Set.of()), Map.entry("update", Set.of()));

    private static Args parse(String command, String[] args) throws UsageError {
        Set<String> valued = VALUED.get(command);
        Set<String> flags = FLAGS.get(command);
        if (valued == null) {
            throw new UsageError("unknown command \"" + command + "\"");
        }
        Map<String, String> options = new HashMap<>();
        Map<String, List<String>> all = new HashMap<>();
        Set<String> set = new java.util.HashSet<>();
        List<String> operands = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("-") && args[i].length() > 1 && operands.isEmpty()) {
                String[] kv = split(args[i]);
                if (valued.contains(kv[0])) {
                    String v = kv[1] != null ? kv[1] : i + 1 < args.length ? args[++i] : null;
                    if (v == null) {
                        throw new UsageError(command + ": option --" + kv[0] + " needs a value");
                    }
                    options.put(kv[0], v);
                    all.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(v);
                } else if (flags.contains(kv[0]) && kv[1] == null) {
                    set.add(kv[0]);
                } else {
                    throw new UsageError(command + ": unknown option " + args[i]);
                }
            } else {
                operands.add(args[i]);
            }
        }
        return new Args(options, all, set, operands);
    }

    /** "--name=value" -> {name, value}; "-name" -> {name, null}. */
    private static String[] split(String arg) {
        String a = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
        int eq = a.indexOf('=');
        return eq < 0 ? new String[] {a, null} : new String[] {a.substring(0, eq), a.substring(eq + 1)};
    }

    private OciRuntime runtime() throws ContainerError {
        if (globalFlags.contains("systemd-cgroup")) {
            throw new ContainerError(null, null, "--systemd-cgroup: systemd cgroups are not supported; use cgroupfs paths "
                    + "(podman --cgroup-manager=cgroupfs)");
        }
        Path root = Path.of(global.getOrDefault("root", DEFAULT_ROOT.toString()));
        Path dataRoot = Path.of(global.getOrDefault("data-root", EngineConfig.DEFAULT_DATA_ROOT.toString()));
        return new OciRuntime(new Engine(EngineConfig.of(dataRoot, root), Main.kernel()), w -> log("warning", w));
    }

    private static String one(String command, Args a, int operands) throws UsageError {
        if (a.operands().size() < 1 || a.operands().size() > operands) {
            throw new UsageError(command + ": " + (a.operands().isEmpty() ? "needs a container id" : "too many arguments"));
        }
        return a.operands().get(0);
    }

    private int dispatch(String command, Args a) throws UsageError, ContainerError, IOException {
        switch (command) {
            case "create" -> {
                String id = one(command, a, 1);
                Path bundle = Path.of(a.options().getOrDefault("bundle", a.options().getOrDefault("b", ".")));
                runtime().create(id, bundle, path(a.option("pid-file")), path(a.option("console-socket")), fds(id, a),
                        !a.flags().contains("no-new-keyring"), progress());
                return 0;
            }
            case "run" -> {
                String id = one(command, a, 1);
                if (a.flags().contains("detach") || a.flags().contains("d")) {
                    throw new ContainerError(id, "run", "--detach is not supported yet (create, then start)");
                }
                if (a.option("console-socket") != null) {
                    throw new ContainerError(id, "run", "--console-socket without --detach: it would receive nothing");
                }
                Path bundle = Path.of(a.options().getOrDefault("bundle", a.options().getOrDefault("b", ".")));
                RunResult r = runtime().run(id, bundle, path(a.option("pid-file")), fds(id, a), !a.flags().contains("no-new-keyring"), progress());
                return r.engineExitCode();
            }
            case "exec" -> {
                return OciExecCommand.exec(runtime(), a);
            }
            case "start" -> {
                runtime().start(one(command, a, 1));
                return 0;
            }
            case "state" -> {
                out.println(runtime().state(one(command, a, 1)).json());
                return 0;
            }
            case "kill" -> {
                String id = one(command, a, 2);
                int signal = Signals.parse(a.operands().size() > 1 ? a.operands().get(1) : "SIGTERM");
                if (signal < 0) {
                    throw new UsageError("kill: unknown signal \"" + a.operands().get(1) + "\"");
                }
                if (a.flags().contains("all") || a.flags().contains("a")) {
                    runtime().killAll(id, signal);
                } else {
                    runtime().kill(id, signal);
                }
                return 0;
            }
            case "delete" -> {
                runtime().delete(one(command, a, 1), a.flags().contains("force") || a.flags().contains("f"));
                return 0;
            }
            case "list" -> {
                list(runtime().list(), a.options().getOrDefault("format", a.options().getOrDefault("f", "table")),
                        a.flags().contains("quiet") || a.flags().contains("q"));
                return 0;
            }
            case "spec" -> {
                Path bundle = Path.of(a.options().getOrDefault("bundle", a.options().getOrDefault("b", ".")));
                Path file = bundle.resolve("config.json");
                try {
                    Files.writeString(file, OciSpec.defaultConfig(a.flags().contains("rootless")), StandardOpenOption.CREATE_NEW);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    throw new ContainerError(null, null, "spec: " + file + " exists already; remove it first");
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new ContainerError(null, null, "spec: no folder " + bundle + " (make it first)");
                }
                return 0;
            }
            case "ps" -> {
                String id = a.operands().isEmpty() ? null : a.operands().get(0);
                if (id == null) {
                    throw new UsageError("ps: needs a container id");
                }
                List<String> psArgs = new ArrayList<>(a.operands().subList(1, a.operands().size()));
                if (!psArgs.isEmpty() && psArgs.get(0).equals("--")) {
                    psArgs.remove(0);
                }
                ps(id, runtime().pids(id), a.options().getOrDefault("format", a.options().getOrDefault("f", "table")), psArgs);
                return 0;
            }
            case "pause" -> {
                runtime().pause(one(command, a, 1));
                return 0;
            }
            case "resume" -> {
                runtime().resume(one(command, a, 1));
                return 0;
            }
            case "update" -> {
                String id = one(command, a, 1);
                runtime().update(id, OciUpdate.resources(id, a.options(), in));
                return 0;
            }
            case "features" -> {
                out.println(OciSpec.features());
                return 0;
            }
            default -> throw new UsageError("unknown command \"" + command + "\"");
        }
    }

    private static Path path(String p) {
        return p == null ? null : Path.of(p);
    }

    /** runc's ps: json, the pids; table, {@code ps} (with PS-ARGS, or -ef) and the lines whose PID column is one of them. */
    private void ps(String id, List<Long> pids, String format, List<String> psArgs) throws UsageError, ContainerError, IOException {
        if (format.equals("json")) {
            out.println(pids.toString().replace(" ", ""));
            return;
        }
        if (!format.equals("table")) {
            throw new UsageError("ps: --format table or json, not " + format);
        }
        List<String> cmd = new ArrayList<>(List.of("ps"));
        cmd.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines;
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            lines = r.lines().toList();
        }
        try {
            if (p.waitFor() != 0) {
                throw new ContainerError(id, "ps", String.join(" ", cmd) + " failed: " + String.join("\n", lines));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerError(id, "ps", "interrupted");
        }
        if (lines.isEmpty()) {
            return;
        }
        int column = java.util.Arrays.asList(lines.get(0).trim().split("\\s+")).indexOf("PID");
        if (column < 0) {
            throw new ContainerError(id, "ps", "no PID column in the output of " + String.join(" ", cmd));
        }
        out.println(lines.get(0));
        Set<String> wanted = new java.util.HashSet<>();
        pids.forEach(pid -> wanted.add(Long.toString(pid)));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length > column && wanted.contains(f[column])) {
                out.println(line);
            }
        }
    }

    /** --preserve-fds N, and socket activation's LISTEN_FDS when LISTEN_PID is this process, as runc takes them. */
    private static OciRuntime.Fds fds(String id, Args a) throws ContainerError {
        int preserve = count(id, "create", "--preserve-fds", a.option("preserve-fds"));
        int listen = 0;
        if (String.valueOf(ProcessHandle.current().pid()).equals(System.getenv("LISTEN_PID"))) {
            listen = count(id, "create", "LISTEN_FDS", System.getenv("LISTEN_FDS"));
        }
        return new OciRuntime.Fds(listen, preserve);
    }

    /** A number of descriptors to pass on (0 when not given). */
    static int count(String id, String stage, String what, String value) throws ContainerError {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 0 && n <= 1024) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ContainerError(id, stage, what + " " + value + ": not a number of descriptors (0 to 1024)");
    }

    private void list(List<OciRuntime.State> states, String format, boolean quiet) throws UsageError {
        if (quiet) {
            states.forEach(s -> out.println(s.id()));
        } else if (format.equals("json")) {
            ArrayNode all = JsonNodeFactory.instance.arrayNode();
            for (OciRuntime.State s : states) {
                ObjectNode o = all.addObject();
                o.put("ociVersion", OciRuntime.OCI_VERSION).put("id", s.id()).put("pid", s.pid()).put("status", s.status().text())
                        .put("bundle", s.bundle() == null ? "" : s.bundle().toString())
                        .put("rootfs", s.rootfs() == null ? "" : s.rootfs().toString()).put("created", s.created()).put("owner", "root");
                ObjectNode an = o.putObject("annotations");
                s.annotations().forEach(an::put);
            }
            out.println(JsonWriter.compact(all));
        } else if (format.equals("table")) {
            out.printf("%-20s %-8s %-10s %-40s %s%n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
            for (OciRuntime.State s : states) {
                out.printf("%-20s %-8d %-10s %-40s %s%n", s.id(), s.pid(), s.status().text(), s.bundle() == null ? "" : s.bundle(), s.created());
            }
        } else {
            throw new UsageError("list: --format table or json, not " + format);
        }
    }

    /** The engine's progress lines, only with --debug (conmon and containerd read a runtime's stdout as the container's). */
    private Progress progress() {
        if (!globalFlags.contains("debug")) {
            return Progress.SILENT;
        }
        return new Progress() {
            @Override public void info(String line) { log("debug", line); }
            @Override public void warn(String line) { log("warning", line); }
            @Override public void stageDone(String stage, long nanos) {}
        };
    }

    private int usage(String message) {
        err.println(NAME + ": " + message);
        err.print(USAGE);
        log("error", message);
        return 2;
    }

    private int fail(String message, Exception e) {
        return fail(message, e, 1);
    }

    private int fail(String message, Exception e, int code) {
        err.println(NAME + ": " + message);
        if (globalFlags.contains("debug")) {
            e.printStackTrace(err);
        }
        log("error", message);
        return code;
    }

    /** A line to --log (if given), as text or as runc's JSON; a log that cannot be written is said on stderr. */
    private void log(String level, String message) {
        String file = global.get("log");
        if (file == null) {
            if (!level.equals("error")) {
                err.println(NAME + ": " + message);
            }
            return;
        }
        String time = Instant.now().toString();
        String line;
        if ("json".equals(global.get("log-format"))) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("level", level).put("msg", message).put("time", time);
            line = JsonWriter.compact(o);
        } else {
            line = "time=\"" + time + "\" level=" + level + " msg=\"" + message.replace("\"", "\\\"") + "\"";
        }
        try {
            Files.write(Path.of(file), (line + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            err.println(NAME + ": cannot write the log " + file + ": " + e.getMessage());
        }
    }
}
