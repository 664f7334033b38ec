package dev.contain.runtime.engine;

import dev.contain.runtime.base.Signals;
import dev.contain.runtime.cgroup.CgroupReport;

/**
 * How the container's command ended, and the exit code `contain run` passes on (docker's convention).
 * {@code oomKilled}: the kernel killed it for memory (from the cgroup's OOM counter).
 */
public record RunResult(String container, Integer exitCode, Integer signal, boolean oomKilled, CgroupReport stats,
                        String memoryLimitText) {
    public RunResult(String container, Integer exitCode, Integer signal) {
        this(container, exitCode, signal, false, null, "");
    }

    public int engineExitCode() {
        return signal != null ? 128 + signal : exitCode;
    }

    public String describe() {
        if (oomKilled) {
            return "container process killed by the kernel: out of memory" + memoryLimitText;
        }
        return signal != null ? "container process killed by signal " + signal + " (" + Signals.name(signal) + ")"
                : "container process exited normally with code " + exitCode;
    }
}
