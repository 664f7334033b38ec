package dev.contain.runtime.cli;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.engine.EngineConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code contain}: run containers from container.yaml specs. */
@Command(name = "contain", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run Linux containers from container.yaml specs: namespaces, cgroups, overlay rootfs, bridge networks.",
        subcommands = {RunCommand.class, ValidateCommand.class, SchemaCommand.class, ImageCommand.class, NetworkCommand.class, GcCommand.class,
                CommandLine.HelpCommand.class},
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

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
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
