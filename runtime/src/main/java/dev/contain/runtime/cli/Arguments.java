package dev.contain.runtime.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * What a command line gave a command, in one form whichever parser read it.
 *
 * @param command     the command's full name, for messages ("contain run")
 * @param options     each option given, under every one of its names: its value as typed (true for a flag, a
 *                    map for NAME=VALUE options); a global option given at several levels has its last value
 * @param positionals the positional parameters, as typed
 * @param words       the command line as typed
 */
record Arguments(String command, Map<String, Object> options, List<Object> positionals, List<String> words) {
    /** picocli's parse of the command whose model is {@code leaf}. */
    static Arguments of(CommandSpec leaf) {
        ParseResult root = leaf.root().commandLine().getParseResult();
        Map<String, Object> options = new LinkedHashMap<>();
        for (ParseResult level = root; level != null; level = level.subcommand()) {
            for (OptionSpec option : level.matchedOptions()) {
                Object value = level.matchedOptionValue(option.longestName(), null);
                for (String name : option.names()) {
                    options.put(name, value);
                }
            }
        }
        ParseResult parsed = leaf.commandLine().getParseResult();
        return new Arguments(leaf.qualifiedName(), options, parsed.matchedPositionalValue(0, List.of()), parsed.originalArgs());
    }
}
