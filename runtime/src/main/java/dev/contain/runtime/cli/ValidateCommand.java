package dev.contain.runtime.cli;

import dev.contain.spec.Problem;
import dev.contain.spec.SpecParser;
import dev.contain.spec.SpecResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(mixinStandardHelpOptions = true, name = "validate", description = "Check specs and report every problem as FILE:LINE:COL: message.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every spec is valid", "1:a spec is invalid", "2:usage error"},
        footer = {"", "Examples:", "  contain validate web.yaml", "  contain validate --format json examples/*.yaml"})
final class ValidateCommand implements Callable<Integer> {
    enum Format { text, json }

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Spec files.")
    List<Path> files;

    @Option(names = "--format", description = "text (default) or json (machine-readable, on stdout).", defaultValue = "text")
    Format format;

    @Override
    public Integer call() {
        List<Problem> all = new ArrayList<>();
        for (Path file : files) {
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
