package dev.contain.runtime.state;

import java.util.ArrayList;
import java.util.List;

/**
 * What the engine records when a container's command has started ({@code status} in its state folder):
 * enough for {@code ps}, {@code inspect}, {@code stop} and {@code logs} without the plan. The pid and its
 * start time name the container's first process for good: a pidfd is opened only after both match.
 *
 * @param stopSignal the signal {@code stop} sends first (the image's STOPSIGNAL, else SIGTERM)
 * @param detached   run -d: a monitor holds it; otherwise the engine that started it
 * @param autoRemove run -d --rm: its state goes with its teardown
 */
public record Status(String name, String image, List<String> command, long createdMillis, long startedMillis, long pid,
                     long pidStartTime, int stopSignal, boolean detached, boolean autoRemove) {

    /** The container's first process, as signals and exec reach it (pid and start time: never a reused pid). */
    public dev.contain.runtime.kernel.ProcessStamp firstProcess() {
        return new dev.contain.runtime.kernel.ProcessStamp(pid, pidStartTime);
    }

    String encode() {
        StringBuilder s = new StringBuilder();
        line(s, "name", name);
        line(s, "image", image);
        line(s, "command", String.join("\u0000", command));
        line(s, "created", Long.toString(createdMillis));
        line(s, "started", Long.toString(startedMillis));
        line(s, "pid", pid + " " + pidStartTime);
        line(s, "stop-signal", Integer.toString(stopSignal));
        line(s, "mode", (detached ? "detached" : "foreground") + (autoRemove ? " rm" : ""));
        return s.toString();
    }

    private static void line(StringBuilder s, String key, String value) {
        s.append(key).append('=').append(value.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    }

    static Status decode(String text) {
        java.util.Map<String, String> v = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                v.put(line.substring(0, eq), unescape(line.substring(eq + 1)));
            }
        }
        String[] pid = v.getOrDefault("pid", "0 0").split(" ");
        String mode = v.getOrDefault("mode", "foreground");
        String command = v.getOrDefault("command", "");
        return new Status(v.getOrDefault("name", "?"), v.getOrDefault("image", "?"),
                command.isEmpty() ? List.of() : new ArrayList<>(List.of(command.split("\u0000", -1))),
                Long.parseLong(v.getOrDefault("created", "0")), Long.parseLong(v.getOrDefault("started", "0")),
                Long.parseLong(pid[0]), Long.parseLong(pid[1]), Integer.parseInt(v.getOrDefault("stop-signal", "15")),
                mode.startsWith("detached"), mode.endsWith(" rm"));
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                out.append(n == 'n' ? '\n' : n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
