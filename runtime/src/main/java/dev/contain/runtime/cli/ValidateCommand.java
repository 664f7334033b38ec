package dev.contain.runtime.cli;

import dev.contain.spec.Problem;
import dev.contain.spec.Shown;
import dev.contain.spec.SpecParser;
import dev.contain.spec.SpecResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

final class ValidateCommand extends CliCommand {
    enum Format { text, json }

    @Override
    Model define() {
        return Model.command(this, "validate", "Check specs and report every problem as FILE:LINE:COL: message.")
                .positionals(Path.class, "FILE", "1..*", "Spec files.")
                .option(Format.class, "FORMAT", "text", "text (default) or json (machine-readable, on stdout).", "--format")
                .exitCodes("0:every spec is valid", "1:a spec is invalid", "2:usage error")
                .examples("Examples:", "contain validate web.yaml", "contain validate --format json examples/*.yaml");
    }

    @Override
    public Integer call() {
        Format format = option("--format", Format.text);
        List<Problem> all = new ArrayList<>();
        for (Path file : this.<Path>positionals()) {
            SpecResult result = parse(file);
            all.addAll(result.problems());
            if (format == Format.text) {
                if (result.valid()) {
                    System.out.println(Shown.oneLine(file.toString()) + ": ok");
                } else {
                    result.problems().forEach(System.err::println);
                }
            }
        }
        if (format == Format.json) {
            System.out.println(Json.problems(all));
        }
        return all.isEmpty() ? 0 : 1;
    }

    /**
     * The parser reports every problem of any input and throws nothing (its tests feed it thousands of
     * mutated specs); should a bug still throw, that file gets a problem and the other files are read.
     */
    private static SpecResult parse(Path file) {
        try {
            return SpecParser.parseFile(file);
        } catch (RuntimeException | StackOverflowError e) {
            return new SpecResult(null, List.of(new Problem(file.toString(), 1, 1,
                    "internal error of the validator, please report it: " + e)));
        }
    }
}
