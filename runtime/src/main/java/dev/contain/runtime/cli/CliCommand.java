package dev.contain.runtime.cli;

import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.IdConfig;
import dev.contain.runtime.engine.Engine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * A command of the CLI: its picocli model, built in code by {@link #define}, and what it does with the
 * values given. Annotations would describe the same model, but reading them costs ~30 ms of every start
 * (reflection, and a proxy class generated per annotation type, which no class-data archive keeps);
 * parsing, usage help, suggestions and errors are picocli's either way.
 */
abstract class CliCommand implements Callable<Integer> {
    /**
     * Makes the collections multi-value options fill, and picocli's help command. picocli's default factory
     * probes for Groovy when first used (~4 ms of every start).
     */
    static final CommandLine.IFactory FACTORY = new CommandLine.IFactory() {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls.isAssignableFrom(ArrayList.class)) {
                return cls.cast(new ArrayList<>());
            }
            if (cls.isAssignableFrom(LinkedHashMap.class)) {
                return cls.cast(new LinkedHashMap<>());
            }
            return cls.getDeclaredConstructor().newInstance();
        }
    };

    /** Options every command takes (picocli copies inherited options into each subcommand). */
    static final String ROOT = "--root", RUN_ROOT = "--run-root", DEBUG = "--debug", ID_POOL = "--id-pool", ID_LAYERS = "--id-layers";
    /** The global options that take a value. */
    static final java.util.Set<String> VALUED = java.util.Set.of(ROOT, RUN_ROOT, ID_POOL, ID_LAYERS);

    private CommandSpec spec;

    /** Declares the command: {@code Model.command(...)} with its options, parameters and examples. */
    abstract Model define();

    /** A command line for this command, ready to take subcommands. */
    final CommandLine commandLine() {
        Model model = define();
        spec = model.spec;
        return model.commandLine();
    }

    private ParseResult parsed() {
        return spec.commandLine().getParseResult();
    }

    final String option(String name) {
        return parsed().matchedOptionValue(name, null);
    }

    final <T> T option(String name, T defaultValue) {
        return parsed().matchedOptionValue(name, defaultValue);
    }

    final boolean flag(String name) {
        return parsed().hasMatchedOption(name);
    }

    /** The positional parameters, as typed (all of them are one list per command here). */
    final <T> List<T> positionals() {
        return parsed().matchedPositionalValue(0, List.of());
    }

    /** The words as the user typed them, for what picocli does not keep (where "--" was). */
    final List<String> originalArgs() {
        return parsed().originalArgs();
    }

    /** The engine's roots, from the global options wherever on the command line they were given. */
    final EngineConfig config() {
        IdConfig.Layers layers;
        try {
            layers = IdConfig.Layers.parse(global(ID_LAYERS, IdConfig.DEFAULT.layers().name().toLowerCase()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return EngineConfig.of(global(ROOT, EngineConfig.DEFAULT_DATA_ROOT), global(RUN_ROOT, EngineConfig.DEFAULT_RUN_ROOT))
                .withIds(new IdConfig(global(ID_POOL, IdConfig.DEFAULT.pool()), layers));
    }

    /** The engine, on these roots and the kernel Main chose. */
    final Engine engine() {
        return new Engine(config(), Main.kernel());
    }

    private <T> T global(String name, T defaultValue) {
        return globalOption(spec.root().commandLine().getParseResult(), name, defaultValue);
    }

    /** An inherited option's value: the last level of the command line that was given it. */
    static <T> T globalOption(ParseResult root, String name, T defaultValue) {
        T value = defaultValue;
        for (ParseResult level = root; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption(name)) {
                value = level.matchedOptionValue(name, defaultValue);
            }
        }
        return value;
    }

    /**
     * The model of one command, in the order its help shows: description, parameters, options, exit codes,
     * examples. Texts are shown as written: picocli formats them, so a % is escaped here.
     */
    static final class Model {
        final CommandSpec spec;

        private Model(Object command, String name, String description) {
            spec = CommandSpec.wrapWithoutInspection(command, FACTORY).name(name)
                    .versionProvider(() -> new String[] {Main.version()});
            spec.usageMessage().description(text(description));
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
            spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.").build());
        }

        /** A command that runs: {@code command} is called with the parsed values. */
        static Model command(CliCommand command, String name, String description) {
            return new Model(command, name, description);
        }

        /** A command that only groups subcommands; run alone, picocli reports the missing subcommand. */
        static Model group(String name, String description, CliCommand... subcommands) {
            Model group = new Model(null, name, description);
            for (CliCommand sub : subcommands) {
                group.spec.addSubcommand(null, sub.commandLine());
            }
            return group;
        }

        /** An option without a value. */
        Model flag(String description, String... names) {
            spec.addOption(OptionSpec.builder(names).arity("0").description(text(description)).build());
            return this;
        }

        /** An option with a text value. */
        Model option(String label, String description, String... names) {
            return option(String.class, label, null, description, names);
        }

        Model option(Class<?> type, String label, String defaultValue, String description, String... names) {
            spec.addOption(OptionSpec.builder(names).type(type).converters(converters(type)).paramLabel(label)
                    .defaultValue(defaultValue).description(text(description)).build());
            return this;
        }

        /** A repeatable NAME=VALUE option. */
        Model mapOption(String label, String description, String... names) {
            spec.addOption(OptionSpec.builder(names).type(Map.class).auxiliaryTypes(String.class, String.class)
                    .paramLabel(label).description(text(description)).build());
            return this;
        }

        /** An option every subcommand also takes. */
        Model globalOption(Class<?> type, String label, String defaultValue, String description, String name) {
            OptionSpec.Builder option = OptionSpec.builder(name).type(type).converters(converters(type)).description(text(description))
                    .scopeType(CommandLine.ScopeType.INHERIT);
            spec.addOption((type == boolean.class ? option.arity("0") : option.paramLabel(label).defaultValue(defaultValue)).build());
            return this;
        }

        /** The positional parameters, as one list of {@code type}; required when the arity's minimum is not 0. */
        Model positionals(Class<?> type, String label, String arity, String description) {
            spec.addPositional(PositionalParamSpec.builder().type(List.class).auxiliaryTypes(type).converters(converters(type)).paramLabel(label)
                    .arity(arity).required(!arity.startsWith("0")).description(text(description)).build());
            return this;
        }

        /** Exit codes, each "CODE:meaning". */
        Model exitCodes(String... codes) {
            Map<String, String> list = new LinkedHashMap<>();
            for (String c : codes) {
                list.put(c.substring(0, c.indexOf(':')), text(c.substring(c.indexOf(':') + 1)));
            }
            spec.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(list);
            return this;
        }

        /** The help's closing lines. */
        Model examples(String heading, String... lines) {
            String[] footer = new String[lines.length + 2];
            footer[0] = "";
            footer[1] = heading;
            for (int i = 0; i < lines.length; i++) {
                footer[i + 2] = "  " + text(lines[i]);
            }
            spec.usageMessage().footer(footer);
            return this;
        }

        CommandLine commandLine() {
            return new CommandLine(spec, FACTORY);
        }

        /**
         * picocli (written for Java 5) converts a Path by calling Paths.get through reflection, whose first
         * call generates classes at run time: ~3 ms of every start. A converter of our own is a plain call.
         */
        private static CommandLine.ITypeConverter<?>[] converters(Class<?> type) {
            return type == Path.class ? new CommandLine.ITypeConverter<?>[] {Path::of} : new CommandLine.ITypeConverter<?>[0];
        }

        private static String text(String shownAsWritten) {
            return shownAsWritten.replace("%", "%%");
        }

        Model subcommand(String name, CommandLine sub) {
            spec.addSubcommand(name, sub);
            return this;
        }
    }

    /**
     * Ctrl-C, SIGTERM and SIGHUP go to what the engine runs in the foreground (a container, an exec'd process);
     * the engine stays to tear down, then exits with its status. With -t the terminal is raw: Ctrl-C is a byte for the pty.
     * With a pty ({@code terminal}) SIGWINCH goes too: the init's host side copies the terminal's size to the pty
     * (when it left the terminal's foreground group, as with -t but no -i, this is its only word of a resize).
     */
    @SuppressWarnings("restriction")
    static void forwardSignals(dev.contain.runtime.engine.Running running, boolean terminal) {
        List<String> names = new ArrayList<>(List.of("INT", "TERM", "HUP"));
        if (terminal) {
            names.add("WINCH");
        }
        for (String name : names) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> running.signal(s.getNumber()));
        }
    }
}
