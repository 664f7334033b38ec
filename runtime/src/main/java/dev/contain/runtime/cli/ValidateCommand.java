package dev.contain.runtime.cli;

import dev.contain.spec.Problem;
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
            SpecResult result = SpecParser.parseFile(file);
            all.addAll(result.problems());
            if (format == Format.text) {
                if (result.valid()) {
                    System.out.println(file + ": ok");
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
}
