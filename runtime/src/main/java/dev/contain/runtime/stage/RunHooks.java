package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.plan.InitOp;
import java.util.List;

/**
 * OCI hooks a run carries out (the OCI front end decides them): {@code atSync}, what the engine does while the
 * container's process waits at a {@link InitOp.Sync} operation (createRuntime, prestart), given its host pid;
 * {@code startHooks}, what the process runs just before its command (startContainer, as start_hook entries);
 * {@code onStarted}, what the engine does once the command runs in the foreground (poststart of OCI run), given its pid.
 */
public record RunHooks(AtSync atSync, List<InitOp.Hook> startHooks, java.util.function.LongConsumer onStarted) {
    public static final RunHooks NONE = new RunHooks(pid -> {}, List.of(), pid -> {});

    public RunHooks {
        startHooks = List.copyOf(startHooks);
    }

    @FunctionalInterface
    public interface AtSync {
        void run(long containerPid) throws ContainerError;
    }
}
