package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `contain validate` on files made to break it (issue 11), as a user runs it: a separate JVM with its
 * heap capped. Whatever the input, it exits 0, 1 or 2, names every problem as FILE:LINE:COL on one line,
 * never blocks, never prints a stack trace, and goes on to the next file. No kernel feature is used, but
 * this is the runtime module's suite: run it holding the kernel lock, like the rest.
 */
class ValidateHostileInputTest {
    static final String HEAD = "image: busybox\ncommand: [true]\n";

    /** The CLI with its heap capped as a small machine's would be: a parse must not need more. */
    static Result validate(TestHost host, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("validate"));
        all.addAll(List.of(args));
        ProcessBuilder pb = host.cli(all.toArray(String[]::new));
        pb.command().add(pb.command().indexOf("-cp"), "-Xmx64m");
        Process p = pb.start();
        p.getOutputStream().close();
        return Result.of(p, 60);
    }

    static void assertNoStackTrace(Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception") || r.err().contains("Error:"), r.err());
    }

    @Test
    void specialFilesAreNamedAndTheRunGoesOnToTheNextFile() throws Exception {
        try (TestHost host = new TestHost()) {
            Path fifo = host.dir.resolve("fifo.yaml");
            TestHost.exec(List.of("mkfifo", fifo.toString()));
            Path random = Files.createSymbolicLink(host.dir.resolve("random.yaml"), Path.of("/dev/urandom"));
            Path folder = Files.createDirectory(host.dir.resolve("folder.yaml"));
            Path binary = Files.write(host.dir.resolve("binary.yaml"), new byte[] {'a', ':', ' ', 0, (byte) 0xff, '\n'});
            Path good = host.spec("good", HEAD);
            long start = System.nanoTime();
            Result r = validate(host, "/dev/zero", fifo.toString(), random.toString(), folder.toString(), binary.toString(), good.toString());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, r.exit(), r.err());
            assertEquals(good + ": ok\n", r.out(), "the file after the bad ones is read");
            assertEquals("/dev/zero:1:1: cannot read spec: it is a character device, not a regular file\n"
                    + fifo + ":1:1: cannot read spec: it is a FIFO (named pipe), not a regular file\n"
                    + random + ":1:1: cannot read spec: it is a character device, not a regular file\n"
                    + folder + ":1:1: cannot read spec: it is a directory, not a file\n"
                    + binary + ":1:5: the spec is not UTF-8 text: byte 0xff (byte 4 of the file) is not valid UTF-8 here\n", r.err());
            assertTrue(millis < 20_000, "a FIFO without a writer, /dev/zero and /dev/urandom are never read: " + millis + " ms");
            Result run = host.run("run", fifo.toString());
            assertEquals(125, run.exit(), "run refuses it too, without blocking");
            assertTrue(run.err().startsWith(fifo + ":1:1: cannot read spec: it is a FIFO (named pipe), not a regular file\n"), run.err());
            assertNoStackTrace(run);
        }
    }

    @Test
    void exitCodesAreZeroOneOrTwo() throws Exception {
        try (TestHost host = new TestHost()) {
            Path good = host.spec("good", HEAD);
            Path bad = host.spec("bad", HEAD + "workdir: \"/a\\0b\"\n");
            assertEquals(0, validate(host, good.toString()).exit());
            Result invalid = validate(host, bad.toString(), good.toString());
            assertEquals(1, invalid.exit());
            assertEquals(bad + ":3:10: workdir must not contain a NUL character (\\0): '/a\\0b'\n", invalid.err());
            assertEquals(2, validate(host).exit(), "no file");
            assertEquals(2, validate(host, "--format", "yaml", good.toString()).exit(), "no such format");
        }
    }

    @Test
    void deepNestingIsReportedInJsonToo() throws Exception {
        try (TestHost host = new TestHost()) {
            Path deep = host.spec("deep", HEAD + "args: " + "[".repeat(4000) + "\n");
            Result json = validate(host, "--format", "json", deep.toString());
            assertEquals(1, json.exit(), json.err());
            assertEquals("[\n  {\"file\": \"" + deep + "\", \"line\": 3, \"column\": 70, \"message\": \"lists and mappings are nested "
                    + "more than 64 levels deep here; a spec needs a few\"}\n]\n", json.out());
            assertEquals("", json.err());
        }
    }

    @Test
    void aMegabyteOfHostileShapesIsValidatedQuicklyInASmallHeap() throws Exception {
        try (TestHost host = new TestHost()) {
            int mb = 1 << 20;
            List<String> shapes = List.of(
                    "layers: [" + "a,".repeat(mb / 2 - 100) + "]",
                    "hostname: " + "h".repeat(mb - 100),
                    "resources: {memory: 1" + "0".repeat(mb - 100) + "}",
                    "args: [&s \"" + "A".repeat(100_000) + "\"" + ", *s".repeat(30) + "]",
                    "env: {A: \"x\\ny\\e[2J\\0\"}\nhostname: \"" + "\\u202e".repeat(1000) + "\"",
                    "? &k " + "memroy".repeat(mb / 60) + "\n: 1\n" + "? *k\n: 2\n".repeat(5));
            String[] files = new String[shapes.size()];
            for (int i = 0; i < files.length; i++) {
                files[i] = host.spec("shape" + i, HEAD + shapes.get(i) + "\n").toString();
            }
            long start = System.nanoTime();
            Result r = validate(host, files);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, r.exit(), r.err());
            assertNoStackTrace(r);
            List<String> lines = r.err().lines().toList();
            assertTrue(lines.size() >= files.length, r.err());
            for (String line : lines) {
                assertTrue(line.matches("/[^:]+:[0-9]+:[0-9]+: .*"), "FILE:LINE:COL: " + line);
                assertTrue(line.length() < 300, "values are cut: " + line.length());
                assertTrue(line.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == 0x202e), "escaped: " + line);
            }
            assertTrue(r.err().contains(files[3] + ":3:8: command, args and env come to more than 2 MiB"), r.err());
            assertTrue(r.err().contains(files[4] + ":3:10: env A must not contain a NUL character (\\0): 'x\\ny\\e[2J\\0'\n"), r.err());
            // JVM start, and six files of up to 1 MiB each, on a machine other tests keep busy
            assertTrue(millis < 15_000, millis + " ms");
        }
    }

    @Test
    void aPathTheLocaleCannotEncodeIsAProblemNotACrash() throws Exception {
        try (TestHost host = new TestHost()) {
            Path spec = host.spec("accent", HEAD + "layers: [./café]\n");
            ProcessBuilder pb = host.cli("validate", spec.toString());
            pb.environment().put("LC_ALL", "C");
            pb.environment().put("LANG", "C");
            Process p = pb.start();
            Result r = Result.of(p, 60);
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().startsWith(spec + ":3:10: layers[0] './caf"), r.err());
            assertTrue(r.err().contains("cannot be a file name here"), r.err());
            assertTrue(r.err().contains("(run with a UTF-8 locale, like LANG=C.UTF-8)"), r.err());
            assertNoStackTrace(r);
        }
    }

    @Test
    void anUnknownCommandIsAUsageErrorWhateverFollowsIt() throws Exception {
        try (TestHost host = new TestHost()) {
            for (List<String> args : List.of(List.of("NOSUCH"), List.of("NOSUCH", "--help"), List.of("NOSUCH", "-V"),
                    List.of("--debug", "NOSUCH", "--help"))) {
                Result r = host.run(args.toArray(String[]::new));
                assertEquals(2, r.exit(), args + ": " + r.out());
                assertEquals("", r.out(), "no help on stdout: " + args);
                assertTrue(r.err().startsWith("contain: Unmatched argument at index "), r.err());
                assertTrue(r.err().contains("'NOSUCH'"), r.err());
            }
            Result help = host.run("help", "validate");
            assertEquals(0, help.exit(), "the help command is a command");
            assertTrue(help.out().startsWith("Usage: contain validate"), help.out());
            assertEquals(0, host.run("--help").exit());
        }
    }
}
