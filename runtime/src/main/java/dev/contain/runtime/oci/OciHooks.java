package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.EmbeddedBinary;
import dev.contain.runtime.kernel.QuietProcessLogger;
import dev.contain.runtime.plan.InitOp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * config.json's {@code hooks} (runtime-spec 1.2), and who runs each when: the engine runs prestart and createRuntime
 * (in the runtime's namespaces, while the container's process waits at a sync point before pivot_root), poststart
 * (after start) and poststop (after delete); the container's process runs createContainer (in its namespaces, before
 * pivot_root) and startContainer (inside the container, just before the command) itself, as the init's hook entries.
 * Every hook gets the container's state on its stdin; a create-time hook that fails fails the create, a poststart or
 * poststop one is a warning (as runc). The engine's hooks are exec'd through contain-init's {@code --exec} (Java cannot
 * choose argv[0]), so each gets its {@code args} as its argv, args[0] included, as the init's own hooks do.
 */
public record OciHooks(Map<Kind, List<Hook>> hooks) {
    public enum Kind {
        PRESTART("prestart", "created"), CREATE_RUNTIME("createRuntime", "creating"), CREATE_CONTAINER("createContainer", "creating"),
        START_CONTAINER("startContainer", "created"), POSTSTART("poststart", "running"), POSTSTOP("poststop", "stopped");

        private final String key;
        private final String status;

        Kind(String key, String status) {
            this.key = key;
            this.status = status;
        }

        public String key() {
            return key;
        }

        /**
         * The status in the state a hook of this kind reads: runtime-spec's for the time it runs; prestart, run at the same
         * time as createRuntime, reads "created", as the runtime-tools suite and crun have it.
         */
        public String status() {
            return status;
        }
    }

    /** {@code timeout}: seconds, 0 for none. {@code args}: its argv (empty: just its path). */
    public record Hook(String path, List<String> args, List<String> env, long timeout) {
        /** The argv it is exec'd with. */
        List<String> argv() {
            return args.isEmpty() ? List.of(path) : args;
        }
    }

    public static final OciHooks NONE = new OciHooks(Map.of());

    public List<Hook> of(Kind kind) {
        return hooks.getOrDefault(kind, List.of());
    }

    /** The hooks object of a config.json (or null), validated: an absolute path, strings, a positive timeout. */
    static OciHooks read(Node node) throws ContainerError {
        if (node == null) {
            return NONE;
        }
        Map<Kind, List<Hook>> out = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            List<Hook> list = new ArrayList<>();
            for (Node h : node.objects(kind.key())) {
                String path = h.string("path", null);
                if (path == null || !path.startsWith("/")) {
                    throw h.error("path", path == null ? "missing" : "not an absolute path: " + path);
                }
                List<String> args = h.strings("args");
                List<String> env = h.strings("env");
                Long timeout = h.number("timeout");
                if (timeout != null && timeout <= 0) {
                    throw h.error("timeout", "must be more than 0 seconds");
                }
                h.done();
                list.add(new Hook(path, args, env, timeout == null ? 0 : timeout));
            }
            if (!list.isEmpty()) {
                out.put(kind, List.copyOf(list));
            }
        }
        node.done();
        return new OciHooks(out);
    }

    /** The hooks of a config.json (as kept in the container's record), already validated at create. */
    public static OciHooks of(String id, JsonNode hooks) throws ContainerError {
        return hooks == null || hooks.isMissingNode() || hooks.isNull() ? NONE : read(new Node(id, "hooks", hooks));
    }

    /** The init's entries for hooks the container's process runs: its state's text around its pid, which it fills in. */
    public List<InitOp.Hook> forInit(Kind kind, OciRuntime.State state) {
        String marker = Long.toString(PID_MARKER);
        String text = new OciRuntime.State(state.id(), state.status(), PID_MARKER, state.bundle(), state.rootfs(), state.created(),
                state.annotations()).json(kind.status());
        int at = text.indexOf(marker);
        List<InitOp.Hook> out = new ArrayList<>();
        List<Hook> list = of(kind);
        for (int i = 0; i < list.size(); i++) {
            Hook h = list.get(i);
            out.add(new InitOp.Hook(kind.key() + "[" + i + "]", h.timeout(), text.substring(0, at), text.substring(at + marker.length()),
                    h.path(), h.argv(), h.env()));
        }
        return out;
    }

    private static final long PID_MARKER = 4_000_000_123L; // above any pid: found once in the state's text

    /**
     * Runs the hooks of {@code kind} here, in order, each with the state on its stdin; the first that fails (cannot
     * start, exits non-zero, is killed, outlives its timeout) ends the run with an error naming it. {@code dataRoot}:
     * where the extracted contain-init is.
     */
    public void run(Path dataRoot, String id, Kind kind, OciRuntime.State state) throws ContainerError {
        List<Hook> list = of(kind);
        for (int i = 0; i < list.size(); i++) {
            String failure = runOne(dataRoot, list.get(i), state.json(kind.status()));
            if (failure != null) {
                throw new ContainerError(id, "hooks", kind.key() + "[" + i + "] " + list.get(i).path() + ": " + failure);
            }
        }
    }

    /** As {@link #run}, but every hook runs and each failure is a warning (poststart, poststop). */
    public List<String> runAll(Path dataRoot, String id, Kind kind, OciRuntime.State state) {
        List<String> warnings = new ArrayList<>();
        List<Hook> list = of(kind);
        for (int i = 0; i < list.size(); i++) {
            String failure = runOne(dataRoot, list.get(i), state.json(kind.status()));
            if (failure != null) {
                warnings.add(id + ": hooks: " + kind.key() + "[" + i + "] " + list.get(i).path() + ": " + failure);
            }
        }
        return warnings;
    }

    /**
     * One hook: null when it exited 0, else what went wrong, with the end of its output. The process is contain-init
     * only until its execve of the hook (the same pid): the timeout's kill and the exit code are the hook's.
     */
    private static String runOne(Path dataRoot, Hook hook, String state) {
        List<String> command = new ArrayList<>();
        try {
            command.add(EmbeddedBinary.CONTAIN_INIT.ensure(dataRoot).toString());
        } catch (IOException e) {
            return "cannot run it: " + e.getMessage();
        }
        command.add("--exec");
        command.add(hook.path());
        command.addAll(hook.argv());
        QuietProcessLogger.install();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        for (String e : hook.env()) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return "cannot run it: " + e.getMessage();
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> drain(p.getInputStream(), output), "hook-output");
        reader.setDaemon(true);
        reader.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(state.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // a hook that does not read its stdin: fine
        }
        try {
            boolean ended = hook.timeout() > 0 ? p.waitFor(hook.timeout(), TimeUnit.SECONDS) : p.waitFor() >= 0;
            if (!ended) {
                p.destroyForcibly().waitFor();
                return "still running after its timeout of " + hook.timeout() + " s, killed";
            }
            reader.join(1000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        if (p.exitValue() == 0) {
            return null;
        }
        String out;
        synchronized (output) {
            out = output.toString(StandardCharsets.UTF_8).strip();
        }
        return "exited with code " + p.exitValue() + (out.isEmpty() ? "" : ": " + out);
    }

    /** Keeps the last 2 KB of a hook's output, for its error. */
    private static void drain(InputStream in, ByteArrayOutputStream output) {
        byte[] buf = new byte[4096];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (output) {
                    output.write(buf, 0, n);
                    if (output.size() > 2048) {
                        byte[] all = output.toByteArray();
                        output.reset();
                        output.write(all, all.length - 2048, 2048);
                    }
                }
            }
        } catch (IOException e) {
            // the hook ended
        }
    }
}
