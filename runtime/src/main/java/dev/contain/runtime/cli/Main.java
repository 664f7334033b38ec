package dev.contain.runtime.cli;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.engine.Warmup;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.LinuxKernel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/** {@code contain}: run containers from container.yaml specs. */
public final class Main {
    /** When main began, for the start-up lines of --trace. */
    static final long MAIN_NANOS = System.nanoTime();

    private Main() {}

    public static void main(String[] args) {
        int code = execute(args);
        System.out.flush();
        System.err.flush();
        // Not System.exit: on JDK 21+ it first asks the platform logger whether to log the exit, which sets up
        // logging and scans the class path for logger providers, opening the 7 MB jar: ~15-20 ms at the end of
        // every command. This CLI registers no shutdown hooks, so halting is the same exit without that.
        Runtime.getRuntime().halt(code);
    }

    /** Subcommands, in help order; each is declared only when it is needed. */
    private static final Map<String, Supplier<CliCommand.Model>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("run", () -> new RunCommand().model());
        SUBCOMMANDS.put("validate", () -> new ValidateCommand().model());
        SUBCOMMANDS.put("schema", () -> new SchemaCommand().model());
        SUBCOMMANDS.put("image", ImageCommand::model);
        SUBCOMMANDS.put("pull", () -> new PullCommand().model());
        SUBCOMMANDS.put("network", NetworkCommand::model);
        SUBCOMMANDS.put("ps", () -> new LifecycleCommands.Ps().model());
        SUBCOMMANDS.put("stop", () -> new LifecycleCommands.Stop().model());
        SUBCOMMANDS.put("kill", () -> new LifecycleCommands.Kill().model());
        SUBCOMMANDS.put("rm", () -> new LifecycleCommands.Rm().model());
        SUBCOMMANDS.put("exec", () -> new ExecCommand().model());
        SUBCOMMANDS.put("wait", () -> new LifecycleCommands.Wait().model());
        SUBCOMMANDS.put("logs", () -> new LifecycleCommands.Logs().model());
        SUBCOMMANDS.put("inspect", () -> new LifecycleCommands.Inspect().model());
        SUBCOMMANDS.put("gc", () -> new GcCommand().model());
        SUBCOMMANDS.put("cleanup", () -> new LifecycleCommands.Cleanup().model());
    }

    static String version() {
        return "contain " + BuildVersion.VERSION;
    }

    /**
     * The command line's model, with only the subcommand being run (each costs start-up time); with none for a
     * version request; for help, no command or an unknown one, all of them, so usage, suggestions and errors
     * are picocli's own.
     */
    static CliCommand.Model model(String invoked, boolean versionOnly) {
        CliCommand.Model contain = CliCommand.Model.group("contain",
                        "Run Linux containers from container.yaml specs: namespaces, cgroups, overlay rootfs, bridge networks.")
                .globalOption(Path.class, "DIR", EngineConfig.DEFAULT_DATA_ROOT.toString(),
                        "Data root: images and containers' writable layers (default: ${DEFAULT-VALUE}).", CliCommand.ROOT)
                .globalOption(Path.class, "DIR", EngineConfig.DEFAULT_RUN_ROOT.toString(),
                        "Runtime root: per-container state and journals (default: ${DEFAULT-VALUE}).", CliCommand.RUN_ROOT)
                .globalOption(String.class, "POOL", "auto", "Where containers' id ranges come from: auto (the 'containers' entry of "
                        + "/etc/subuid and /etc/subgid, else built-in), subuid, subuid:NAME, builtin (default: ${DEFAULT-VALUE}).", CliCommand.ID_POOL)
                .globalOption(String.class, "MODE", "auto", "How image files keep their owners in a container's own ids: auto "
                        + "(idmapped mounts where the filesystem allows, else a chowned copy), idmap, copy (default: ${DEFAULT-VALUE}).",
                        CliCommand.ID_LAYERS)
                .globalOption(boolean.class, null, null, "Show stack traces of engine errors.", CliCommand.DEBUG)
                .examples("Examples:", "contain run examples/hello.yaml", "contain validate examples/*.yaml",
                        "contain image import rootfs.tar.xz --name debian", "contain gc");
        if (versionOnly) {
            return contain;
        }
        boolean one = invoked != null && SUBCOMMANDS.containsKey(invoked);
        for (Map.Entry<String, Supplier<CliCommand.Model>> e : SUBCOMMANDS.entrySet()) {
            if (!one || e.getKey().equals(invoked)) {
                contain.subcommand(e.getValue().get());
            }
        }
        return contain;
    }

    /** picocli's command line for {@code model}, with its help command and this CLI's ways of reporting errors. */
    static CommandLine commandLine(CliCommand.Model model) {
        CommandLine cli = model.commandLine();
        if (model.subcommands.size() > 1) {
            cli.addSubcommand("help", new CommandLine(new CommandLine.HelpCommand(), CliCommand.FACTORY));
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (commandLine.getCommand() instanceof CliCommand command) {
                return failed(e, command);
            }
            boolean debug = false; // picocli's help command
            for (CommandLine.ParseResult level = parseResult; level != null; level = level.subcommand()) {
                debug |= level.hasMatchedOption(CliCommand.DEBUG);
            }
            return failed(e, debug);
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("contain: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr()); // "Did you mean: run?"
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return c.getCommand() instanceof CliCommand command ? command.usageExitCode() : 2;
        });
        return cli;
    }

    /** What a command threw, as the user sees it: the engine's message, a stack trace only with --debug. */
    private static int failed(Exception e, CliCommand command) {
        if (e instanceof CliCommand.UsageError usage) {
            System.err.println("contain: " + usage.getMessage());
            System.err.println("Try '" + usage.command + " --help' for more information.");
            return command.usageExitCode();
        }
        return failed(e, command.flag(CliCommand.DEBUG));
    }

    private static int failed(Exception e, boolean debug) {
        if (e instanceof ContainerError ce) {
            if (!ce.wasShown()) {
                System.err.println("contain: " + ce.userMessage());
            }
            if (debug) e.printStackTrace();
            return ce.exitCode();
        }
        System.err.println("contain: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        if (debug) {
            e.printStackTrace();
        } else {
            System.err.println("contain: (run with --debug for details)");
        }
        return ContainerError.ENGINE;
    }

    /** The subcommand: the first word that is not an option or a global option's value. */
    static String invokedSubcommand(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (CliCommand.VALUED.contains(args[i])) {
                i++; // the option's value
            } else if (!args[i].startsWith("-")) {
                return args[i];
            }
        }
        return null;
    }

    /**
     * The kernel every engine of this process runs on: the one place above the engine that picks it (tests embed
     * the engine with another). A method, not a field, so that commands without an engine do not load it.
     */
    static Kernel kernel() {
        return LinuxKernel.INSTANCE;
    }

    public static int execute(String... args) {
        if (args.length > 0 && args[0].equals("oci")) { // runc's command line: its own parser (see OciCommand)
            return OciCommand.execute(java.util.Arrays.copyOfRange(args, 1, args.length));
        }
        // picocli registers converters for java.time, java.sql and Path through reflection in each command
        // line it makes, initialising those classes: ~4 ms of every start. No option here has such a type;
        // Path has a plain converter of our own (CliCommand). A documented picocli property.
        System.setProperty("picocli.converters.excludes", ".*");
        String invoked = invokedSubcommand(args);
        if ("run".equals(invoked)) {
            Warmup.start(); // the run's first-use costs, on the second core while this thread reads the spec
        }
        List<String> words = List.of(args);
        boolean versionOnly = invoked == null && (words.contains("--version") || words.contains("-V"))
                && !words.contains("--help") && !words.contains("-h");
        CliCommand.Model model = model(invoked, versionOnly);
        java.util.Optional<QuickParser.Parsed> quick = QuickParser.parse(model, args);
        if (quick.isPresent()) {
            CliCommand command = quick.get().command();
            command.given(quick.get().arguments());
            try {
                return command.call();
            } catch (Exception e) {
                return failed(e, command);
            }
        }
        CommandLine cli = commandLine(model);
        if (invoked != null && !SUBCOMMANDS.containsKey(invoked) && !invoked.equals("help")) {
            // an unknown command is a usage error whatever follows it (picocli would honour a --help after it)
            try {
                return cli.getParameterExceptionHandler().handleParseException(
                        new CommandLine.UnmatchedArgumentException(cli, List.of(invoked)), args);
            } catch (Exception e) {
                return 2;
            }
        }
        return cli.execute(args);
    }
}
