package dev.contain.runtime.cli;

import dev.contain.runtime.cli.CliCommand.Model;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the common command lines from the commands' models, without picocli: building picocli's model and
 * parsing with it cost ~8 ms of every start. It takes only what it is sure picocli reads the same way (a test
 * compares the two on many command lines): long and short options with their value apart or after "=", flags
 * and clusters of one-letter flags, "--", subcommands, typed values. Anything else (help, a version request,
 * an unknown or repeated option, a value that looks like an option, a missing or extra parameter, a value that
 * does not convert, a NAME=VALUE with quotes) is picocli's, so usage, suggestions and errors stay picocli's own.
 * Neither expands @file arguments (picocli's default, off here): a word is the word typed, as in docker.
 */
final class QuickParser {
    /** The command to call, with its values. */
    record Parsed(CliCommand command, Arguments arguments) {}

    private QuickParser() {}

    static Optional<Parsed> parse(Model root, String... words) {
        if (System.getProperty("picocli.trimQuotes") != null) {
            return Optional.empty(); // picocli then takes quotes off every word
        }
        try {
            return Optional.ofNullable(read(root, words));
        } catch (NotMine e) {
            return Optional.empty();
        }
    }

    /** A command line this parser leaves to picocli. */
    private static final class NotMine extends Exception {
        NotMine() {
            super(null, null, false, false);
        }
    }

    private static Parsed read(Model root, String[] words) throws NotMine {
        return new Reading(root, words).all();
    }

    /** One command line being read, word by word. */
    private static final class Reading {
        private final String[] words;
        private final Map<String, Model.Arg> globals = new LinkedHashMap<>();
        private final Map<String, Object> options = new LinkedHashMap<>();
        // picocli refuses an option given twice at one level. By identity: a record's hashCode is bootstrapped
        // at its first call, which generates classes no start-up archive keeps (~6 ms)
        private final Set<Model.Arg> givenHere = Collections.newSetFromMap(new IdentityHashMap<>());
        private final List<Object> positionals = new ArrayList<>();
        private Model level;
        private String command;
        private boolean onlyPositionals;
        /** The index of the next word: an option's value is taken from there. */
        private int next;

        Reading(Model root, String[] words) {
            this.words = words;
            level = root;
            command = root.name;
            for (Model.Arg arg : root.args) {
                if (arg instanceof Model.Flag f && f.global() || arg instanceof Model.Valued v && v.global()) {
                    arg.names().forEach(n -> globals.put(n, arg));
                }
            }
        }

        Parsed all() throws NotMine {
            while (next < words.length) {
                word(words[next++]);
            }
            return parsed();
        }

        private void word(String word) throws NotMine {
            if (onlyPositionals) {
                positionals.add(convert(positionalType(level), word));
            } else if (word.equals("--")) {
                if (level.command == null) throw new NotMine();
                onlyPositionals = true;
            } else if (word.startsWith("-") && word.length() > 1) {
                option(word);
            } else if (level.command == null) { // a group: the word names its subcommand
                Model sub = level.subcommands.get(word);
                if (sub == null) throw new NotMine();
                level = sub;
                command = command + " " + word;
                givenHere.clear();
            } else {
                positionals.add(convert(positionalType(level), word));
                onlyPositionals = level.stopAtPositional;
            }
        }

        private void option(String word) throws NotMine {
            String name = word;
            String inline = null;
            int equals = word.indexOf('=');
            if (word.startsWith("--") && equals > 0) {
                name = word.substring(0, equals);
                inline = word.substring(equals + 1);
            }
            Model.Arg arg = find(name);
            if (arg == null) {
                if (inline == null && cluster(word)) {
                    return;
                }
                throw new NotMine();
            }
            if (!(arg instanceof Model.Pairs) && !givenHere.add(arg)) throw new NotMine(); // NAME=VALUE repeats
            if (arg instanceof Model.Flag) {
                if (inline != null) throw new NotMine();
                put(arg, Boolean.TRUE);
                return;
            }
            String value = inline;
            if (value == null) {
                if (next >= words.length) throw new NotMine();
                value = words[next++];
            }
            if (value.startsWith("-") || level.subcommands.containsKey(value)) {
                throw new NotMine(); // picocli may read it as an option or a subcommand
            }
            if (arg instanceof Model.Valued v) {
                put(arg, convert(v.type(), value));
                return;
            }
            int split = value.indexOf('=');
            if (split <= 0 || value.indexOf('"') >= 0) throw new NotMine(); // picocli splits around quoted parts
            @SuppressWarnings("unchecked")
            Map<String, String> pairs = (Map<String, String>) options.computeIfAbsent(arg.names().get(0), k -> new LinkedHashMap<>());
            pairs.put(value.substring(0, split), value.substring(split + 1));
            put(arg, pairs);
        }

        private Parsed parsed() throws NotMine {
            if (level.command == null) throw new NotMine();
            Model.Positionals declared = positionalsOf(level);
            int min = declared == null ? 0 : declared.min();
            int max = declared == null ? 0 : declared.max();
            if (positionals.size() < min || max >= 0 && positionals.size() > max) throw new NotMine();
            return new Parsed(level.command, new Arguments(command, options, List.copyOf(positionals), List.of(words)));
        }

        /** A cluster of one-letter flags, like -it; false when a letter is not one. */
        private boolean cluster(String word) throws NotMine {
            if (word.startsWith("--") || word.length() < 3) {
                return false;
            }
            List<Model.Arg> flags = new ArrayList<>();
            for (int c = 1; c < word.length(); c++) {
                Model.Arg arg = find("-" + word.charAt(c));
                if (!(arg instanceof Model.Flag)) {
                    return false;
                }
                flags.add(arg);
            }
            for (Model.Arg flag : flags) {
                if (!givenHere.add(flag)) throw new NotMine();
                put(flag, Boolean.TRUE);
            }
            return true;
        }

        /** The option named so at this level or a global one; null for help and version, which are picocli's. */
        private Model.Arg find(String name) {
            if (name.equals("-h") || name.equals("--help") || name.equals("-V") || name.equals("--version")) {
                return null;
            }
            for (Model.Arg arg : level.args) {
                if (arg.names().contains(name)) {
                    return arg;
                }
            }
            return globals.get(name);
        }

        private void put(Model.Arg arg, Object value) {
            for (String name : arg.names()) {
                options.put(name, value);
            }
        }
    }

    private static Model.Positionals positionalsOf(Model level) {
        for (Model.Arg arg : level.args) {
            if (arg instanceof Model.Positionals p) {
                return p;
            }
        }
        return null;
    }

    private static Class<?> positionalType(Model level) throws NotMine {
        Model.Positionals declared = positionalsOf(level);
        if (declared == null) throw new NotMine();
        return declared.type();
    }

    /** As picocli converts: plain calls of the same methods; a value they refuse is picocli's to report. */
    private static Object convert(Class<?> type, String value) throws NotMine {
        try {
            if (type == String.class) {
                return value;
            }
            if (type == Path.class) {
                return Path.of(value);
            }
            if (type == Integer.class) {
                return Integer.valueOf(value);
            }
            if (type.isEnum()) {
                for (Object constant : type.getEnumConstants()) {
                    if (((Enum<?>) constant).name().equals(value)) {
                        return constant;
                    }
                }
            }
        } catch (NumberFormatException | InvalidPathException e) {
            // picocli's message
        }
        throw new NotMine();
    }
}
