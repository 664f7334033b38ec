package dev.contain.runtime.engine;

import dev.contain.runtime.plan.Terminal;
import dev.contain.runtime.stage.RunHooks;

/**
 * How a container's command is started beyond its plan, as an OCI front end asks: a terminal (relayed, or its
 * master sent to a console socket; null: none), hooks, and the caller's descriptors 3..3+N-1 passed on.
 */
public record Launch(Terminal terminal, RunHooks hooks, int preserveFds) {
    public static final Launch PLAIN = new Launch(null, RunHooks.NONE, 0);
}
