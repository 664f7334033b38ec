package dev.contain.runtime.plan;

import java.nio.file.Path;

/**
 * A pty made inside the container for a process (runtime/src/main/c/init/tty.c): relayed by the init to the
 * engine's terminal (run -t, exec -t), or, with a console socket (OCI's --console-socket), its master sent to
 * that unix socket and nothing relayed. {@code rows} and {@code cols} size it when not 0.
 */
public record Terminal(Path consoleSocket, int rows, int cols) {
    public static final Terminal RELAY = new Terminal(null, 0, 0);

    public Terminal {
        if (rows < 0 || rows > 65535 || cols < 0 || cols > 65535) {
            throw new IllegalArgumentException("a terminal of " + rows + "x" + cols);
        }
    }
}
