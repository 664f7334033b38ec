package dev.contain.runtime.cli;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.engine.EngineConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code contain}: run containers from container.yaml specs. */
@Command(name = "contain", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run Linux containers from container.yaml specs: namespaces, cgroups, overlay rootfs, bridge networks.",
        footer = {"", "Examples:", "  contain run examples/hello.yaml", "  contain validate examples/*.yaml",
                "  contain image import rootfs.tar.xz --name debian", "  contain gc"})
public final class Main {
    @Option(names = "--root", description = "Data root: images and containers' writable layers (default: ${DEFAULT-VALUE}).",
            defaultValue = "/var/lib/contain", scope = CommandLine.ScopeType.INHERIT)
    Path dataRoot;

    @Option(names = "--run-root", description = "Runtime root: per-container state and journals (default: ${DEFAULT-VALUE}).",
            defaultValue = "/run/contain", scope = CommandLine.ScopeType.INHERIT)
    Path runRoot;

    @Option(names = "--debug", description = "Show stack traces of engine errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    EngineConfig config() {
        return EngineConfig.of(dataRoot, runRoot);
    }

    /** When main began, for the start-up lines of --trace. */
    static final long MAIN_NANOS = System.nanoTime();

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Subcommands, in help order. Built lazily: picocli reads a command's annotations when it is added. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("run", RunCommand::new);
        SUBCOMMANDS.put("validate", ValidateCommand::new);
        SUBCOMMANDS.put("schema", SchemaCommand::new);
        SUBCOMMANDS.put("image", ImageCommand::new);
        SUBCOMMANDS.put("network", NetworkCommand::new);
        SUBCOMMANDS.put("gc", GcCommand::new);
        SUBCOMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    /**
     * Only the subcommand being run is given to picocli (its model costs start-up time); for help, no
     * command or an unknown one, all of them, so usage, suggestions and errors are picocli's own.
     */
    static CommandLine commandLine(Main main, String... args) {
        CommandLine cli = new CommandLine(main);
        String invoked = null;
        for (int i = 0; i < args.length && invoked == null; i++) {
            if (args[i].equals("--root") || args[i].equals("--run-root")) {
                i++; // the option's value
            } else if (!args[i].startsWith("-")) {
                invoked = args[i];
            }
        }
        boolean one = invoked != null && !invoked.equals("help") && SUBCOMMANDS.containsKey(invoked);
        for (Map.Entry<String, Supplier<Object>> e : SUBCOMMANDS.entrySet()) {
            if (!one || e.getKey().equals(invoked)) {
                cli.addSubcommand(e.getKey(), e.getValue().get());
            }
        }
        return cli;
    }

    public static int execute(String... args) {
        Main main = new Main();
        CommandLine cli = commandLine(main, args);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof ContainerError ce) {
                err.println("contain: " + ce.userMessage());
                if (main.debug) e.printStackTrace(err);
                err.flush();
                return ce.exitCode();
            }
            err.println("contain: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (main.debug) {
                e.printStackTrace(err);
            } else {
                err.println("contain: (run with --debug for details)");
            }
            err.flush();
            return ContainerError.ENGINE;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("contain: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            // docker's convention: the engine failing to start a run (bad flags included) is 125
            return c.getCommand() instanceof RunCommand ? ContainerError.ENGINE : 2;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"contain " + (v == null ? "dev" : v)};
        }
    }
}
