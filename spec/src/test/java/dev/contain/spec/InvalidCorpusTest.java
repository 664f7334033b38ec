package dev.contain.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every invalid spec under test resources gives exactly the messages, at exactly the positions, in expected.txt.
 * Problems in a file the spec names (a seccomp profile NN-x.json beside NN-x.yaml) are listed under that file's name.
 */
class InvalidCorpusTest {
    static final Path DIR = Path.of("src/test/resources/invalid");

    static List<Path> fixtures() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void corpusIsLargeEnough() throws IOException {
        assertTrue(fixtures().size() >= 60, "at least 60 invalid specs");
    }

    @TestFactory
    Stream<DynamicTest> eachFixtureGivesItsExpectedMessages() throws IOException {
        // messages about the machine's CPUs name this machine's count
        int cpus = Runtime.getRuntime().availableProcessors();
        List<String> expected = Files.readAllLines(DIR.resolve("expected.txt")).stream()
                .map(l -> l.replace("${CPUS}", cpus + (cpus == 1 ? " CPU" : " CPUs")).replace("${CPU_PERCENT}", Long.toString(cpus * 100L)))
                .toList();
        return fixtures().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String name = f.getFileName().toString();
            String stem = name.substring(0, name.length() - ".yaml".length());
            List<String> want = expected.stream().filter(l -> l.startsWith(name + ":") || l.startsWith(stem + ".json:")).toList();
            assertFalse(want.isEmpty(), "expected.txt has lines for " + name);
            SpecResult result = SpecParser.parseFile(Path.of(name).isAbsolute() ? f : f);
            List<String> got = new ArrayList<>();
            result.problems().forEach(p -> got.add(p.toString().replace(f.toString(), name).replace(DIR + "/", "")));
            assertEquals(want, got);
            assertNull(result.spec(), "an invalid spec yields no spec");
        }));
    }
}
