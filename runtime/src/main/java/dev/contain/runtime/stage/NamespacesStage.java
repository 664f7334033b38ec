package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.ids.IdMap;
import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.runtime.init.InitProcess;
import dev.contain.runtime.init.InitReply;
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
        run.journal().record(new Undo.Process(ProcessStamp.of(run.kernel(), init.pid()), run.config().dataRoot()));
        TestHooks.point("namespaces:init");
        byte[] encoded = run.initPlan();
        init.sendPlan(encoded);
        InitReply reply = init.read();
        if (reply instanceof InitReply.MonitorPid monitor && run.monitor() != null) { // run -d: the init's host side forked
            run.journal().record(new Undo.Process(ProcessStamp.of(run.kernel(), monitor.pid()), run.config().dataRoot()));
            run.monitorPid(monitor.pid());
            reply = init.read();
        }
        if (reply instanceof InitReply.Closed) {
            throw run.error(name(), "the native init exited before creating the container");
        }
        if (!(reply instanceof InitReply.Pid started)) {
            InitReply.Failure failure = InitReply.Failure.of(reply);
            throw run.error(failure.stage(name()), failure.message());
        }
        long pid = started.pid();
        TestHooks.point("namespaces:cloned");
        ProcessStamp container = ProcessStamp.of(run.kernel(), pid);
        run.journal().record(new Undo.Process(container, run.config().dataRoot()));
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
