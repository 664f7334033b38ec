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

/**
 * A command of the CLI: its model, declared in code by {@link #define}, and what it does with the values given.
 * The common command lines are read by {@link QuickParser} from the model alone; everything else (help, errors,
 * suggestions, the rarer forms) goes to picocli, built from the same model only then: building picocli's model
 * and parsing with it cost ~8 ms of every start. (Annotations would describe the same model, but reading them
 * costs ~30 ms more: reflection, and a proxy class generated per annotation type, which no archive keeps.)
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

    private Model model;
    /** picocli's model of this command, when picocli parsed the command line. */
    private CommandSpec picocli;
    private Arguments given;

    /** Declares the command: {@code Model.command(...)} with its options, parameters and examples. */
    abstract Model define();

    /** This command's model (declared once). */
    final Model model() {
        if (model == null) {
            model = define();
        }
        return model;
    }

    /** The values {@link QuickParser} read, for {@link #call}. */
    final void given(Arguments arguments) {
        given = arguments;
    }

    /** The values given: the quick parser's, else picocli's parse in the same form. */
    final Arguments arguments() {
        if (given == null) {
            given = Arguments.of(picocli);
        }
        return given;
    }

    /** A bad command line the parsers cannot see (a value's meaning): exit 2, or 125 for run (docker's). */
    int usageExitCode() {
        return 2;
    }

    final String option(String name) {
        return (String) arguments().options().get(name);
    }

    @SuppressWarnings("unchecked")
    final <T> T option(String name, T defaultValue) {
        Object value = arguments().options().get(name);
        return value == null ? defaultValue : (T) value;
    }

    final boolean flag(String name) {
        return arguments().options().containsKey(name);
    }

    /** The positional parameters, as typed (all of them are one list per command here). */
    @SuppressWarnings("unchecked")
    final <T> List<T> positionals() {
        return (List<T>) arguments().positionals();
    }

    /** The words as the user typed them, for what a parser does not keep (where "--" was). */
    final List<String> originalArgs() {
        return arguments().words();
    }

    /** The engine's roots, from the global options wherever on the command line they were given. */
    final EngineConfig config() {
        IdConfig.Layers layers;
        try {
            layers = IdConfig.Layers.parse(option(ID_LAYERS, IdConfig.DEFAULT.layers().name().toLowerCase()));
        } catch (IllegalArgumentException e) {
            throw new UsageError(arguments().command(), e.getMessage());
        }
        return EngineConfig.of(option(ROOT, EngineConfig.DEFAULT_DATA_ROOT), option(RUN_ROOT, EngineConfig.DEFAULT_RUN_ROOT))
                .withIds(new IdConfig(option(ID_POOL, IdConfig.DEFAULT.pool()), layers));
    }

    /** The engine, on these roots and the kernel Main chose. */
    final Engine engine() {
        return new Engine(config(), Main.kernel());
    }

    /** A value the parsers accepted but the command cannot use; reported as picocli reports a parse error. */
    static final class UsageError extends RuntimeException {
        final String command;

        UsageError(String command, String message) {
            super(message);
            this.command = command;
        }
    }

    /**
     * The model of one command or group, in the order its help shows: description, parameters, options, exit
     * codes, examples. Texts are shown as written: picocli formats them, so a % is escaped when it is built.
     */
    static final class Model {
        /** One kind of word the command line may hold. */
        sealed interface Arg permits Flag, Valued, Pairs, Positionals {
            /** The option's names; none for the positional parameters. */
            List<String> names();
        }

        /** An option without a value; {@code global}: every subcommand takes it too. */
        record Flag(List<String> names, String description, boolean global) implements Arg {}

        /** An option with one value, converted to {@code type}. */
        record Valued(List<String> names, Class<?> type, String label, String defaultValue, String description, boolean global)
                implements Arg {}

        /** A repeatable NAME=VALUE option, collected in a map. */
        record Pairs(List<String> names, String label, String description) implements Arg {}

        /** The positional parameters, as one list of {@code type}: at least {@code min}, at most {@code max} (-1: any). */
        record Positionals(Class<?> type, String label, String arity, String description) implements Arg {
            @Override
            public List<String> names() {
                return List.of();
            }

            int min() {
                return Integer.parseInt(arity.split("\\.\\.")[0]);
            }

            int max() {
                String[] range = arity.split("\\.\\.");
                String last = range[range.length - 1];
                return last.equals("*") ? -1 : Integer.parseInt(last);
            }
        }

        final String name;
        final String description;
        /** What runs; null for a group, which only holds subcommands. */
        final CliCommand command;
        final List<Arg> args = new ArrayList<>();
        final Map<String, Model> subcommands = new LinkedHashMap<>();
        private final Map<String, String> exitCodes = new LinkedHashMap<>();
        private final List<String> footer = new ArrayList<>();
        /** After the first positional parameter every word is one (exec NAME ls -la). */
        boolean stopAtPositional;
        private boolean hidden;

        private Model(CliCommand command, String name, String description) {
            this.command = command;
            this.name = name;
            this.description = description;
        }

        /** A command that runs: {@code command} is called with the parsed values. */
        static Model command(CliCommand command, String name, String description) {
            return new Model(command, name, description);
        }

        /** A command that only groups subcommands; run alone, picocli reports the missing subcommand. */
        static Model group(String name, String description, CliCommand... subcommands) {
            Model group = new Model(null, name, description);
            for (CliCommand sub : subcommands) {
                group.subcommand(sub.model());
            }
            return group;
        }

        /** An option without a value. */
        Model flag(String description, String... names) {
            args.add(new Flag(List.of(names), description, false));
            return this;
        }

        /** An option with a text value. */
        Model option(String label, String description, String... names) {
            return option(String.class, label, null, description, names);
        }

        Model option(Class<?> type, String label, String defaultValue, String description, String... names) {
            args.add(new Valued(List.of(names), type, label, defaultValue, description, false));
            return this;
        }

        /** A repeatable NAME=VALUE option. */
        Model mapOption(String label, String description, String... names) {
            args.add(new Pairs(List.of(names), label, description));
            return this;
        }

        /** An option every subcommand also takes. */
        Model globalOption(Class<?> type, String label, String defaultValue, String description, String name) {
            args.add(type == boolean.class ? new Flag(List.of(name), description, true)
                    : new Valued(List.of(name), type, label, defaultValue, description, true));
            return this;
        }

        /** The positional parameters, as one list of {@code type}; required when the arity's minimum is not 0. */
        Model positionals(Class<?> type, String label, String arity, String description) {
            args.add(new Positionals(type, label, arity, description));
            return this;
        }

        /** Exit codes, each "CODE:meaning". */
        Model exitCodes(String... codes) {
            for (String c : codes) {
                exitCodes.put(c.substring(0, c.indexOf(':')), c.substring(c.indexOf(':') + 1));
            }
            return this;
        }

        /** The help's closing lines. */
        Model examples(String heading, String... lines) {
            footer.add("");
            footer.add(heading);
            for (String line : lines) {
                footer.add("  " + line);
            }
            return this;
        }

        /** Left out of the help's list of commands (one the engine runs itself). */
        Model hidden() {
            hidden = true;
            return this;
        }

        /** The command's own options end at its first positional parameter: exec web ls -la. */
        Model stopAtPositional() {
            stopAtPositional = true;
            return this;
        }

        Model subcommand(Model sub) {
            subcommands.put(sub.name, sub);
            return this;
        }

        /** picocli's command line for this model and its subcommands: for help, errors and the rarer forms. */
        CommandLine commandLine() {
            CommandSpec spec = CommandSpec.wrapWithoutInspection(command, FACTORY).name(name)
                    .versionProvider(() -> new String[] {Main.version()});
            spec.usageMessage().description(text(description)).hidden(hidden);
            spec.parser().stopAtPositional(stopAtPositional).expandAtFiles(false); // exec web echo @me is echo's
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
            spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.").build());
            for (Arg arg : args) {
                if (arg instanceof Positionals p) {
                    // a list's arity counts one occurrence: its index range is what caps the words (wait a b: b is unmatched)
                    spec.addPositional(PositionalParamSpec.builder().type(List.class).auxiliaryTypes(p.type())
                            .converters(converters(p.type())).paramLabel(p.label()).arity(p.arity()).required(p.min() > 0)
                            .index(p.max() < 0 ? "0..*" : "0.." + (p.max() - 1)).description(text(p.description())).build());
                    continue;
                }
                OptionSpec.Builder option = OptionSpec.builder(arg.names().toArray(String[]::new));
                if (arg instanceof Flag f) {
                    option.arity("0").description(text(f.description())).scopeType(scope(f.global()));
                } else if (arg instanceof Valued v) {
                    option.type(v.type()).converters(converters(v.type())).paramLabel(v.label()).defaultValue(v.defaultValue())
                            .description(text(v.description())).scopeType(scope(v.global()));
                } else if (arg instanceof Pairs p) {
                    option.type(Map.class).auxiliaryTypes(String.class, String.class).paramLabel(p.label()).description(text(p.description()));
                }
                spec.addOption(option.build());
            }
            if (!exitCodes.isEmpty()) {
                Map<String, String> list = new LinkedHashMap<>();
                exitCodes.forEach((code, meaning) -> list.put(code, text(meaning)));
                spec.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(list);
            }
            if (!footer.isEmpty()) {
                spec.usageMessage().footer(footer.stream().map(Model::text).toArray(String[]::new));
            }
            for (Model sub : subcommands.values()) {
                spec.addSubcommand(sub.name, sub.commandLine());
            }
            if (command != null) {
                command.picocli = spec;
            }
            return new CommandLine(spec, FACTORY);
        }

        private static CommandLine.ScopeType scope(boolean global) {
            return global ? CommandLine.ScopeType.INHERIT : CommandLine.ScopeType.LOCAL;
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
