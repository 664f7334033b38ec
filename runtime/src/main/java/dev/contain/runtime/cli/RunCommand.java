package dev.contain.runtime.cli;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.engine.Engine;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.engine.RunOptions;
import dev.contain.runtime.engine.RunResult;
import dev.contain.spec.ContainerSpec;
import dev.contain.spec.Problem;
import dev.contain.spec.SpecOverrides;
import dev.contain.spec.SpecParser;
import dev.contain.spec.SpecResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

final class RunCommand extends CliCommand {
    @Override
    Model define() {
        return Model.command(this, "run", "Run a container in the foreground; exit with its command's exit code.")
                .positionals(String.class, "FILE [-- COMMAND [ARG...]]", "0..*",
                        "The spec file; after --, a command that replaces the spec's command for this run.")
                .option("IMAGE", "Image (store name or path); with no FILE, the spec is made from flags.", "--image")
                .option("NAME", "Container name for this run.", "--name")
                .option("NAME", "Hostname for this run.", "--hostname")
                .option("SIZE", "Memory limit, like 64Mi or 1G.", "--memory")
                .option("PERCENT", "CPU limit in percent of one CPU, like 50%.", "--cpu")
                .option("ADDRESS/PREFIX", "Address on the bridge network, like 192.168.42.10/24.", "--ip")
                .mapOption("NAME=VALUE", "Set an environment variable (repeatable).", "-e", "--env")
                .option("PATH", "Parent cgroup for this run.", "--cgroup-parent")
                .flag("A terminal: a pty made inside the container, the engine's terminal relayed to it in raw mode (not with -d).", "-t", "--tty")
                .flag("Keep stdin attached (it always is in the foreground: accepted for docker's -it).", "-i", "--interactive")
                .flag("Detached: print the name once the command runs and return; a monitor keeps it (see contain ps, logs, stop).", "-d", "--detach")
                .option("SIZE", "run -d: rotate the log at this size, like 1Mi (default 10Mi).", "--log-size")
                .flag("run -d: remove the container's record when it ends (else it stays for ps -a, wait and logs until rm).", "--rm")
                .flag("Run even where a limit cannot be set (controller missing), with a warning.", "--ignore-missing-limits")
                .flag("At exit, print CPU time used, peak memory and throttling.", "--stats")
                .flag("Print every namespace, id map, mount and write the run would do; do none.", "--dry-run")
                .flag("No progress lines, only the command's own output and errors.", "-q", "--quiet")
                .flag("Print each stage's duration.", "--trace")
                .exitCodes("N:the command's own exit code", "125:the engine failed (bad spec, missing image, a stage failed)",
                        "126:the command cannot be invoked", "127:the command was not found", "128+N:the command died of signal N")
                .examples("Examples:", "contain run examples/hello.yaml",
                        "contain run --memory 64Mi --cpu 50% web.yaml",
                        "contain run --dry-run web.yaml                # print the plan, do nothing",
                        "contain run web.yaml -- sh -c 'ls /'          # another command for this run",
                        "# no spec file, the lab's one-liner:",
                        "contain run --name mycont --image debian-stable+python+iproute2 \\",
                        "    --memory 1024Mi --cpu 100% --ip 192.168.42.10/24 -- bash -c 'hostname'");
    }

    @Override
    int usageExitCode() {
        return ContainerError.ENGINE; // docker's convention: the engine failing to start a run (bad flags included) is 125
    }

    @Override
    public Integer call() throws ContainerError {
        long cliDone = System.nanoTime();
        List<String> positionals = positionals();
        List<String> original = originalArgs();
        int dashes = original.indexOf("--");
        int afterDashes = dashes < 0 ? 0 : original.size() - dashes - 1;
        List<String> command = positionals.subList(positionals.size() - afterDashes, positionals.size());
        List<String> before = positionals.subList(0, positionals.size() - afterDashes);
        String image = option("--image");
        String ip = option("--ip");
        boolean trace = flag("--trace");
        boolean quiet = flag("--quiet");
        if (before.size() > 1) {
            throw new ContainerError(null, null, "one spec file at a time (got " + before + "); put a command after --");
        }
        if (before.isEmpty() && image == null) {
            throw new ContainerError(null, null, "give a spec file, or --image and a command after --");
        }
        SpecOverrides overrides = new SpecOverrides()
                .set("--name", "name", option("--name"))
                .set("--hostname", "hostname", option("--hostname"))
                .set("--image", "image", image)
                .set("--memory", "resources.memory", option("--memory"))
                .set("--cpu", "resources.cpu", option("--cpu"))
                .set("--ip", "network.address", ip)
                .set("--cgroup-parent", "cgroupParent", option("--cgroup-parent"))
                .env("--env", option("--env", Map.of()))
                .list("--", "command", command);
        SpecResult result = before.isEmpty()
                ? SpecParser.parse("{}", "command line", Path.of("").toAbsolutePath(), generatedName(), null, overrides.tuples())
                : SpecParser.parseFile(Path.of(before.get(0)), overrides.tuples());
        if (!result.valid()) {
            for (Problem p : result.problems()) {
                System.err.println(p);
            }
            throw new ContainerError(null, "spec", result.problems().size() + " problem(s); nothing was started");
        }
        ContainerSpec spec = result.spec();
        if (trace) {
            traceStartup(cliDone, System.nanoTime());
        }
        Engine engine = engine();
        RunOptions options = new RunOptions(flag("--ignore-missing-limits"), flag("--tty"));
        if (flag("--dry-run")) {
            System.out.print(engine.describePlan(spec, options));
            return 0;
        }
        if (flag("--detach") && flag("--tty")) {
            throw new ContainerError(spec.name(), null, "run -d with -t is not supported: a detached container has no terminal "
                    + "(its output goes to its log); use contain exec -it NAME -- sh to get one in it");
        }
        if (flag("--detach")) {
            System.out.println(engine.runDetached(spec, options, progress(true, trace),
                    new Engine.Detach(logSize(spec.name()), flag("--rm"), Self.command())));
            return 0;
        }
        RunResult exit = engine.run(spec, options, progress(quiet, trace), running -> forwardSignals(running, flag("--tty")));
        if (flag("--stats") && exit.stats() != null) {
            System.err.println(exit.stats().describe());
        }
        if (exit.oomKilled()) {
            System.err.println("contain: " + spec.name() + ": killed by the kernel: out of memory" + exit.memoryLimitText());
        }
        return exit.engineExitCode();
    }

    private long logSize(String name) throws ContainerError {
        String text = option("--log-size");
        if (text == null) {
            return Engine.Detach.DEFAULT_LOG_MAX;
        }
        long bytes = dev.contain.spec.Quantity.parseBytes(text).orElse(-1);
        if (bytes < 4096) {
            throw new ContainerError(name, null, "--log-size " + text + ": give a size of at least 4Ki, like 1Mi");
        }
        return bytes;
    }

    /** The part of a run before its first stage: JVM start, the CLI (picocli), the spec (YAML to records). */
    private static void traceStartup(long cliDone, long specDone) {
        long uptimeAtMain = System.currentTimeMillis() - (System.nanoTime() - Main.MAIN_NANOS) / 1_000_000
                - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        System.err.println("trace: archive: " + StartupArchive.describe());
        System.err.printf("trace: %-10s %8.2f ms%n", "jvm start", (double) uptimeAtMain);
        System.err.printf("trace: %-10s %8.2f ms%n", "cli", (cliDone - Main.MAIN_NANOS) / 1e6);
        System.err.printf("trace: %-10s %8.2f ms%n", "spec load", (specDone - cliDone) / 1e6);
    }

    /** A name for a run made only of flags, like docker's: unique enough, valid as a hostname. */
    private static String generatedName() {
        return "run-" + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 8);
    }

    private static Progress progress(boolean quiet, boolean trace) {
        return new Progress() {
            @Override
            public void info(String line) {
                if (!quiet) System.err.println(line);
            }

            @Override
            public void warn(String line) {
                System.err.println(line);
            }

            @Override
            public void stageDone(String stage, long nanos) {
                if (trace) System.err.printf("trace: %-10s %8.2f ms%n", stage, nanos / 1e6);
            }

            @Override
            public void trace(String line) {
                if (trace) System.err.println("trace: " + line);
            }
        };
    }
}
