package dev.contain.runtime.cli;

import dev.contain.runtime.json.JsonWriter;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.engine.Containers;
import dev.contain.runtime.base.Signals;
import dev.contain.runtime.state.Exit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** ps, stop, kill, rm, wait, logs, inspect, and the hidden cleanup a monitor runs: all through the engine's API. */
final class LifecycleCommands {
    private LifecycleCommands() {}

    private static Containers containers(CliCommand c) {
        return c.engine().containers();
    }

    static String exitText(Optional<Exit> exit) {
        return exit.map(e -> e.signal() != null ? "killed by signal " + e.signal() + " (" + Signals.name(e.signal()) + "), exit " + e.exitCode()
                : "exited with code " + e.code()).orElse("ended");
    }

    static final class Ps extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "ps", "List containers: running ones, and with -a those that have exited.")
                    .flag("Also exited (and dead) containers.", "-a", "--all")
                    .option("FORMAT", "table (default) or json.", "--format")
                    .examples("Examples:", "contain ps", "contain ps -a --format json");
        }

        @Override
        public Integer call() throws Exception {
            List<Containers.Info> infos = containers(this).list(flag("--all"));
            String format = option("--format", "table");
            if (format.equals("json")) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Containers.Info i : infos) {
                    rows.add(json(i));
                }
                System.out.println(JsonWriter.pretty(rows));
                return 0;
            }
            if (!format.equals("table")) {
                throw new ContainerError(null, null, "--format " + format + ": give table or json");
            }
            String row = "%-16s %-14s %-24s %-22s %-8s %-18s %s%n";
            System.out.printf(row, "NAME", "IMAGE", "COMMAND", "STATUS", "PID", "ADDRESSES", "CREATED");
            for (Containers.Info i : infos) {
                String command = i.status().map(s -> String.join(" ", s.command())).orElse("");
                System.out.printf(row, i.name(), i.status().map(s -> s.image()).orElse(""), cut(command, 24),
                        Containers.describe(i.phase(), i.exit()),
                        i.status().map(s -> Long.toString(s.pid())).orElse("-"), i.addresses().isEmpty() ? "-" : String.join(",", i.addresses()),
                        i.status().map(s -> Containers.ago(s.createdMillis())).orElse("-"));
            }
            return 0;
        }

        private static String cut(String s, int width) {
            return s.length() <= width ? s : s.substring(0, width - 3) + "...";
        }
    }

    static Map<String, Object> json(Containers.Info i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("state", i.phase().name().toLowerCase(java.util.Locale.ROOT));
        m.put("status", Containers.describe(i.phase(), i.exit()));
        i.status().ifPresent(s -> {
            m.put("image", s.image());
            m.put("command", s.command());
            m.put("pid", s.pid());
            m.put("pidStartTime", s.pidStartTime());
            m.put("created", java.time.Instant.ofEpochMilli(s.createdMillis()).toString());
            m.put("started", java.time.Instant.ofEpochMilli(s.startedMillis()).toString());
            m.put("stopSignal", s.stopSignal());
            m.put("detached", s.detached());
            m.put("autoRemove", s.autoRemove());
        });
        m.put("addresses", i.addresses());
        i.exit().ifPresent(e -> {
            m.put("exitCode", e.exitCode());
            if (e.signal() != null) m.put("signal", e.signal());
            m.put("finished", java.time.Instant.ofEpochMilli(e.finishedMillis()).toString());
        });
        m.put("stateDir", i.stateDir().toString());
        return m;
    }

    static final class Stop extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "stop", "Stop containers: their stop signal (SIGTERM or the image's), a grace period, then SIGKILL; "
                            + "returns when each has ended and been torn down.")
                    .positionals(String.class, "NAME", "1..*", "Containers.")
                    .option(Integer.class, "SECONDS", "10", "Grace period before SIGKILL (default 10; -1: no limit, never SIGKILL).", "-t", "--time")
                    .examples("Example:", "contain stop -t 2 web");
        }

        @Override
        public Integer call() throws Exception {
            int failed = 0;
            int seconds = option("--time", 10);
            if (seconds < -1) { // podman's and docker's -1: wait as long as it takes
                throw new UsageError(arguments().command(), "--time " + seconds + ": give the seconds to wait before SIGKILL, or -1 to wait without a limit");
            }
            for (String name : this.<String>positionals()) {
                try {
                    Optional<Exit> exit = containers(this).stop(name, seconds < 0 ? Containers.NO_LIMIT : seconds * 1000L);
                    System.out.println(name);
                    System.err.println("container " + name + " " + exitText(exit));
                } catch (ContainerError e) {
                    System.err.println("contain: " + e.userMessage());
                    failed++;
                }
            }
            return failed == 0 ? 0 : ContainerError.ENGINE;
        }
    }

    static final class Kill extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "kill", "Send a signal to containers' first process (as PID 1, it receives only what it handles, and SIGKILL).")
                    .positionals(String.class, "NAME", "1..*", "Containers.")
                    .option("SIGNAL", "KILL (default), TERM, USR1, SIGHUP, 9...", "-s", "--signal")
                    .examples("Example:", "contain kill -s USR1 web");
        }

        @Override
        public Integer call() throws Exception {
            int signal = signal(option("--signal", "KILL"));
            for (String name : this.<String>positionals()) {
                containers(this).kill(name, signal);
                System.out.println(name);
            }
            return 0;
        }

        static int signal(String text) throws ContainerError {
            int n = Signals.parse(text);
            if (n > 0) {
                return n;
            }
            throw new ContainerError(null, null, "unknown signal '" + text + "' (give a name like TERM or USR1, or a number)");
        }
    }

    static final class Rm extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "rm", "Remove containers that have ended: their record, log and anything left; -f kills a running one first.")
                    .positionals(String.class, "NAME", "1..*", "Containers.")
                    .flag("Kill a running container first.", "-f", "--force")
                    .examples("Example:", "contain rm -f web");
        }

        @Override
        public Integer call() throws Exception {
            int failed = 0;
            for (String name : this.<String>positionals()) {
                try {
                    containers(this).remove(name, flag("--force"));
                    System.out.println(name);
                } catch (ContainerError e) {
                    System.err.println("contain: " + e.userMessage());
                    failed++;
                }
            }
            return failed == 0 ? 0 : ContainerError.ENGINE;
        }
    }

    static final class Wait extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "wait", "Wait for a container's command to end; print its exit code and exit with it.")
                    .positionals(String.class, "NAME", "1", "Container.")
                    .examples("Example:", "contain wait web");
        }

        @Override
        public Integer call() throws Exception {
            Exit exit = containers(this).await(this.<String>positionals().get(0));
            System.out.println(exit.exitCode());
            return exit.exitCode();
        }
    }

    static final class Logs extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "logs", "Print a detached container's output (stdout and stderr, as its monitor kept them).")
                    .positionals(String.class, "NAME", "1", "Container.")
                    .flag("Follow: print new output until the container has ended.", "-f", "--follow")
                    .option(Integer.class, "N", null, "Only the last N lines.", "--tail")
                    .examples("Examples:", "contain logs web", "contain logs -f --tail 10 web");
        }

        @Override
        public Integer call() throws Exception {
            String name = this.<String>positionals().get(0);
            Containers containers = containers(this);
            List<Path> files = containers.logs(name);
            OutputStream out = System.out;
            Integer tail = option("--tail", (Integer) null);
            long position = 0;
            if (tail != null) {
                out.write(lastLines(files, tail));
            } else {
                for (Path f : files) {
                    position = copy(f, 0, out);
                }
            }
            out.flush();
            if (!flag("--follow")) {
                return 0;
            }
            Path log = files.get(files.size() - 1);
            Object key = fileKey(log);
            position = tail != null ? Files.exists(log) ? Files.size(log) : 0 : position;
            while (true) {
                boolean ended = containers.info(name).phase() != dev.contain.runtime.state.ContainerState.Phase.RUNNING;
                Object now = fileKey(log);
                if (now != null && !now.equals(key)) { // rotated: the rest of the old file (now log.1), then the new one
                    copy(files.get(0), position, out);
                    key = now;
                    position = 0;
                }
                position = copy(log, position, out);
                out.flush();
                if (ended) {
                    return 0;
                }
                Thread.sleep(100);
            }
        }

        private static Object fileKey(Path p) {
            try {
                return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            } catch (IOException e) {
                return null;
            }
        }

        private static long copy(Path file, long from, OutputStream out) throws IOException {
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                in.position(from);
                InputStream s = Channels.newInputStream(in);
                s.transferTo(out);
                return in.position();
            } catch (NoSuchFileException e) {
                return from;
            }
        }

        private static byte[] lastLines(List<Path> files, int n) throws IOException {
            ArrayDeque<String> lines = new ArrayDeque<>();
            for (Path f : files) {
                if (!Files.exists(f)) continue;
                for (String l : new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.UTF_8).split("(?<=\n)")) {
                    if (l.isEmpty()) continue;
                    lines.addLast(l);
                    if (lines.size() > n) lines.removeFirst();
                }
            }
            return String.join("", lines).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static final class Inspect extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "inspect", "A container's state and the plan its init was given, as JSON.")
                    .positionals(String.class, "NAME", "1", "Container.")
                    .examples("Example:", "contain inspect web");
        }

        @Override
        public Integer call() throws Exception {
            String name = this.<String>positionals().get(0);
            Containers containers = containers(this);
            Map<String, Object> m = json(containers.info(name));
            m.put("plan", containers.initPlan(name));
            System.out.println(JsonWriter.pretty(m));
            return 0;
        }
    }

    /** Run by a detached container's monitor when its command has ended; its output goes to the container's log. */
    static final class Cleanup extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "cleanup", "Tear down a detached container whose command has ended (run by its monitor).")
                    .positionals(String.class, "NAME", "1", "Container.")
                    .hidden();
        }

        @Override
        public Integer call() throws Exception {
            String name = this.<String>positionals().get(0);
            List<String> failures = containers(this).cleanup(name);
            for (String f : failures) {
                System.err.println("contain: " + name + ": teardown: could not undo " + f + "; 'contain gc' will retry");
            }
            return failures.isEmpty() ? 0 : ContainerError.ENGINE;
        }
    }
}
