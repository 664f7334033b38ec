package dev.contain.runtime.stage;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.ids.IdMap;
import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.runtime.init.InitProcess;
import dev.contain.runtime.kernel.Errors;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.plan.Plan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the native init, which clones the container's first process into its new namespaces and holds
 * it until "go"; then writes the user namespace's id maps from the host side.
 */
public final class NamespacesStage implements Stage {
    @Override
    public String name() {
        return "namespaces";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        Plan plan = run.plan();
        InitProcess init = run.takeInit();
        run.journal().record(new Undo.Process(ProcessStamp.of(run.kernel(), init.pid())));
        TestHooks.point("namespaces:init");
        byte[] encoded = plan.encodeForInit();
        // entries may come in any order: run -d's monitor entries, run -t's tty and OCI create's fifo follow the plan's
        if (run.monitor() != null) {
            encoded = concat(encoded, run.monitor().encode());
        }
        if (run.terminal()) {
            Plan.PlanWriter tty = new Plan.PlanWriter();
            tty.entry("tty", List.of());
            encoded = concat(encoded, tty.bytes());
        }
        if (run.execFifo() != null) { // OCI create: the process waits at the fifo before exec
            Plan.PlanWriter w = new Plan.PlanWriter();
            w.entry("exec_fifo", List.of(run.execFifo().toString()));
            encoded = concat(encoded, w.bytes());
        }
        if (run.preserveFds() > 0) {
            Plan.PlanWriter w = new Plan.PlanWriter();
            w.entry("preserve_fds", List.of(Integer.toString(run.preserveFds())));
            encoded = concat(encoded, w.bytes());
        }
        run.initPlan(encoded);
        init.sendPlan(encoded);
        String line = init.readLine();
        if (line != null && line.startsWith("monitor ") && run.monitor() != null) { // run -d: the init's host side forked
            long monitor = Long.parseLong(line.substring(8).trim());
            run.journal().record(new Undo.Process(ProcessStamp.of(run.kernel(), monitor)));
            run.monitorPid(monitor);
            line = init.readLine();
        }
        if (line == null) {
            throw run.error(name(), "the native init exited before creating the container");
        }
        if (!line.startsWith("pid ")) {
            InitProcess.Failure failure = InitProcess.Failure.parse(line);
            throw run.error(failure.stage(name()), failure.message());
        }
        long pid = Long.parseLong(line.substring(4).trim());
        TestHooks.point("namespaces:cloned");
        ProcessStamp container = ProcessStamp.of(run.kernel(), pid);
        run.journal().record(new Undo.Process(container));
        run.started(pid);
        container.write(run.kernel(), plan.stateDir().resolve(dev.contain.runtime.plan.Planner.PID_FILE));
        IdMaps maps = run.ids();
        if (!maps.uid().isEmpty()) {
            Path proc = Path.of("/proc", Long.toString(pid));
            if (plan.ids().denySetgroups()) {
                run.kernel().write(proc.resolve("setgroups"), "deny");
            }
            writeMap(run, proc.resolve("uid_map"), maps.uid());
            writeMap(run, proc.resolve("gid_map"), maps.gid());
        }
        TestHooks.point("namespaces:mapped");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private void writeMap(Run run, Path file, List<IdMap> map) throws ContainerError {
        StringBuilder text = new StringBuilder();
        map.forEach(m -> text.append(m).append('\n'));
        try {
            run.kernel().write(file, text.toString());
        } catch (IOException e) {
            throw run.error(name(), "cannot write " + file + " (" + text.toString().trim().replace('\n', ';') + "): "
                    + Errors.reason(e) + "; host ids must exist and be yours to map");
        }
    }
}
