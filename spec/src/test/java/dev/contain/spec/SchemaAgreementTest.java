package dev.contain.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The JSON Schema and the validator describe one format: every example is valid under both, every invalid
 * fixture is rejected by both (except those marked "# schema: accepts", which JSON Schema cannot express:
 * the test checks the schema does accept them, so the marker stays honest), and both know the same keys.
 */
class SchemaAgreementTest {
    static final Path SCHEMA = Path.of("../schema/container.schema.json");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
            .getSchema(read(SCHEMA));

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<ValidationMessage> schemaErrors(Path spec) {
        JsonNode node;
        try {
            node = YAML.readTree(spec.toFile());
        } catch (IOException e) {
            return Set.of(ValidationMessage.builder().message("YAML: " + e.getMessage()).build());
        }
        return schema.validate(node == null || node.isMissingNode() ? YAML.nullNode() : node);
    }

    @TestFactory
    Stream<DynamicTest> everyExampleIsValidUnderBoth() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("../examples"))) {
            List<Path> examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertTrue(examples.size() >= 7);
            return examples.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                assertEquals(List.of(), SpecParser.parseFile(f).problems());
                assertEquals(Set.of(), schemaErrors(f));
            }));
        }
    }

    @TestFactory
    Stream<DynamicTest> everyInvalidFixtureIsRejectedByBoth() throws IOException {
        return InvalidCorpusTest.fixtures().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            assertFalse(SpecParser.parseFile(f).valid());
            boolean schemaCannotTell = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).startsWith("# schema: accepts");
            Set<ValidationMessage> errors = schemaErrors(f);
            if (schemaCannotTell) {
                assertEquals(Set.of(), errors, "marked '# schema: accepts', but the schema rejects it: remove the marker");
            } else {
                assertFalse(errors.isEmpty(), "the schema accepts an invalid spec");
            }
        }));
    }

    @Test
    void schemaAndParserKnowTheSameKeys() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SCHEMA.toFile());
        assertEquals(new TreeSet<>(SpecParser.TOP_KEYS), names(root.get("properties")));
        assertEquals(new TreeSet<>(SpecParser.RESOURCE_KEYS), names(root.at("/properties/resources/properties")));
        assertEquals(new TreeSet<>(NetworkParser.KEYS), names(root.at("/$defs/networkEntry/properties")));
        assertEquals(new TreeSet<>(MountParser.KEYS), names(root.at("/properties/mounts/items/properties")));
        assertEquals(new TreeSet<>(SpecParser.USERS_KEYS), names(root.at("/properties/users/oneOf/1/properties")));
        assertEquals(new TreeSet<>(SpecParser.MAPPING_KEYS), names(root.at("/$defs/idMappings/items/properties")));
        assertEquals(new TreeSet<>(SecurityParser.CAPABILITY_KEYS), names(root.at("/properties/capabilities/properties")));
        assertEquals(new TreeSet<>(Stream.of(Rlimit.values()).map(Rlimit::key).toList()), names(root.at("/properties/rlimits/properties")));
        List<String> namespaces = new ArrayList<>();
        root.at("/properties/namespaces/items/enum").forEach(n -> namespaces.add(n.asText()));
        assertEquals(Stream.of(Namespace.values()).map(Namespace::key).toList(), namespaces);
    }

    private static TreeSet<String> names(JsonNode properties) {
        TreeSet<String> names = new TreeSet<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
