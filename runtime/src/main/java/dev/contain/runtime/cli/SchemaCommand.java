package dev.contain.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(mixinStandardHelpOptions = true, name = "schema", description = "Print the JSON Schema (2020-12) of container.yaml, for editors and CI.",
        footer = {"", "Example, for yaml-language-server:", "  contain schema > container.schema.json",
                "  # then, first line of a spec: # yaml-language-server: $schema=container.schema.json"})
final class SchemaCommand implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
        try (InputStream in = dev.contain.spec.SpecParser.class.getResourceAsStream("container.schema.json")) {
            System.out.write(in.readAllBytes());
            System.out.flush();
        }
        return 0;
    }
}
