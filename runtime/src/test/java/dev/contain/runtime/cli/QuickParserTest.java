package dev.contain.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The quick parser reads a command line as picocli does, or leaves it to picocli: for every line here that it
 * takes, picocli's parse gives the same command and values; the common lines are its; help, errors and the
 * rarer forms are picocli's.
 */
class QuickParserTest {
    /** Lines the quick parser must take: what users and the benchmarks type most. */
    private static final List<String> COMMON = List.of(
            "run web.yaml",
            "run -d --name web web.yaml",
            "run -d -q --ignore-missing-limits --name t spec.yaml -- /busybox sleep 60",
            "--root /tmp/d --run-root /tmp/r run -q --name x spec.yaml",
            "run --root=/tmp/d --memory 64Mi --cpu 50% -e A=1 -e B=x=y --env C= spec.yaml",
            "run --name=web --hostname h --ip 10.0.0.2/24 web.yaml -- sh -c 'echo hi'",
            "run -it web.yaml",
            "run --image busybox -- sh",
            "run --dry-run --trace web.yaml",
            "run -d --rm --log-size 1Mi web.yaml",
            "run web.yaml -- -x --y",
            "--debug run web.yaml",
            "run --debug web.yaml",
            "--id-pool builtin --id-layers copy run web.yaml",
            "ps", "ps -a", "ps --all --format json", "ps -a --format=json",
            "stop web", "stop -t 2 web db", "stop --time=0 web", "--root /x stop web",
            "kill web", "kill -s USR1 web", "kill --signal=TERM a b",
            "rm web", "rm -f web db", "wait web", "logs web", "logs -f --tail 10 web", "inspect web",
            "exec web -- cat /etc/hostname", "exec web ls -la", "exec -it web -- sh", "exec -e A=1 -w /tmp -u nobody web -- id",
            "exec -d web -- sleep 60", "exec -- web ls", "exec web -- -- x", "exec -t -i web sh",
            "gc", "validate a.yaml b.yaml", "validate --format json a.yaml", "schema",
            "image ls", "image import rootfs.tar --name debian", "image rm a b", "image prune", "--root /d image ls",
            "network ls", "network rm contain0", "network rm --all",
            "pull docker.io/library/alpine:3.19", "pull --tls-verify=false localhost:5000/app:1", "pull --creds u:p x",
            "cleanup web", "run web.yaml --name run", "run -",
            "exec web echo @me", "run web.yaml -- cat @/tmp/f", "run @web.yaml", "image --root /r ls");

    /** Lines for picocli: help, versions, errors, and forms the quick parser does not read (or reads differently). */
    private static final List<String> PICOCLI = List.of(
            "", "--help", "-h", "--version", "-V", "run --help", "run -h web.yaml", "ps -V", "help", "help run",
            "image", "network", "image --help", "stop", "wait a b", "logs", "exec", "exec --",
            "run --name", "run --name --memory 1 web.yaml", "run --name a --name b web.yaml", "ps -a -a", "ps -x",
            "ps --al", "stop -t x web", "stop -t 99999999999 web", "stop -t5 web", "stop -t -1 web", "run -dx web.yaml",
            "run -e A web.yaml", "run -e =1 web.yaml", "run -e \"A=B\"=C web.yaml", "run -e A=\"1\" x.yaml", "run -d=true web.yaml", "validate --format yaml a.yaml",
            "validate --format JSON a.yaml", "image bogus", "--root run run web.yaml",
            "--root", "rm -f", "run --name -x web.yaml", "kill -s -9 web", "pull a b", "schema extra", "gc now",
            "image ls extra", "network ls x", "-d run web.yaml", "ps run");

    @Test
    void theCommonLinesAreReadAsPicocliReadsThem() {
        for (String line : COMMON) {
            String[] words = words(line);
            Optional<QuickParser.Parsed> quick = QuickParser.parse(model(words), words);
            assertTrue(quick.isPresent(), "the quick parser should take: " + line);
            assertEquals(picocli(words), quick.get().arguments(), line);
            assertEquals(picocliCommand(words), quick.get().command().getClass(), line);
        }
    }

    @Test
    void whatPicocliReportsOrReadsOtherwiseIsLeftToIt() {
        for (String line : PICOCLI) {
            String[] words = words(line);
            assertTrue(QuickParser.parse(model(words), words).isEmpty(), "should be left to picocli: " + line);
        }
    }

    /** A command of one NAME takes no second one (picocli once dropped it: wait a b waited for a). */
    @Test
    void picocliRefusesAWordBeyondTheParameters() {
        for (String line : List.of("wait a b", "pull a b", "image import a b", "inspect a b", "logs a b", "cleanup a b")) {
            String[] words = words(line);
            CommandLine.UnmatchedArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    CommandLine.UnmatchedArgumentException.class, () -> Main.commandLine(model(words)).parseArgs(words), line);
            assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        }
        assertEquals(List.of("a", "b"), leaf(words("stop a b")).matchedPositionalValue(0, List.of()));
    }

    /** Every line both take, including mixtures the lists above do not hold, gives the same values. */
    @Test
    void mixedLinesGiveTheSameValuesOrGoToPicocli() {
        String[] pieces = {"-d", "-q", "-it", "--name", "n", "--name=n", "-e", "A=1", "--env=B=2", "--root", "/r", "--debug",
                "--", "x.yaml", "y", "-a", "--tail", "3", "-f", "-t", "5", "--memory", "1Mi", "-u", "nobody", "ls", "@x", "-", "run", "", "\"q\"",
                "-e", "\"K=V\"=W", "+5"};
        String[] commands = {"run", "ps", "stop", "exec", "logs", "rm", "image ls", "network rm"};
        java.util.Random random = new java.util.Random(42);
        int taken = 0;
        for (int n = 0; n < 4000; n++) {
            List<String> line = new ArrayList<>();
            int before = random.nextInt(3);
            for (int i = 0; i < before; i++) line.add(pieces[random.nextInt(pieces.length)]);
            line.addAll(List.of(commands[random.nextInt(commands.length)].split(" ")));
            int after = random.nextInt(6);
            for (int i = 0; i < after; i++) line.add(pieces[random.nextInt(pieces.length)]);
            String[] words = line.toArray(String[]::new);
            Optional<QuickParser.Parsed> quick = QuickParser.parse(model(words), words);
            if (quick.isEmpty()) continue;
            taken++;
            Arguments expected;
            try {
                expected = picocli(words);
            } catch (CommandLine.ParameterException e) {
                throw new AssertionError("picocli refuses what the quick parser took: " + line + ": " + e.getMessage(), e);
            }
            assertEquals(expected, quick.get().arguments(), String.join(" ", line));
        }
        assertTrue(taken > 200, "the quick parser took only " + taken + " of 4000 lines");
    }

    private static String[] words(String line) {
        return line.isBlank() ? new String[0] : line.trim().split(" +");
    }

    private static CliCommand.Model model(String[] words) {
        String invoked = Main.invokedSubcommand(words);
        List<String> list = List.of(words);
        boolean versionOnly = invoked == null && (list.contains("--version") || list.contains("-V"))
                && !list.contains("--help") && !list.contains("-h");
        return Main.model(invoked, versionOnly);
    }

    private static ParseResult leaf(String[] words) {
        ParseResult parsed = Main.commandLine(model(words)).parseArgs(words);
        while (parsed.subcommand() != null) {
            parsed = parsed.subcommand();
        }
        return parsed;
    }

    private static Arguments picocli(String[] words) {
        return Arguments.of(leaf(words).commandSpec());
    }

    private static Class<?> picocliCommand(String[] words) {
        return leaf(words).commandSpec().userObject().getClass();
    }
}
