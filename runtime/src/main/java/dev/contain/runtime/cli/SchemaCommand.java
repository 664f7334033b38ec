package dev.contain.runtime.cli;

import java.io.IOException;
import java.io.InputStream;

final class SchemaCommand extends CliCommand {
    @Override
    Model define() {
        return Model.command(this, "schema", "Print the JSON Schema (2020-12) of container.yaml, for editors and CI.")
                .examples("Example, for yaml-language-server:", "contain schema > container.schema.json",
                        "# then, first line of a spec: # yaml-language-server: $schema=container.schema.json");
    }

    @Override
    public Integer call() throws IOException {
        try (InputStream in = dev.contain.spec.SpecParser.class.getResourceAsStream("container.schema.json")) {
            System.out.write(in.readAllBytes());
            System.out.flush();
        }
        return 0;
    }
}
