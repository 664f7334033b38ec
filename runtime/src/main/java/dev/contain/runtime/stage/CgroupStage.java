package dev.contain.runtime.stage;

import dev.contain.runtime.cgroup.CgroupPlan;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.cgroup.DeviceFilter;
import dev.contain.runtime.cgroup.DeviceRule;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.runtime.kernel.Errors;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the container's cgroup (one folder per v1 hierarchy, or one v2 folder) and writes its limits.
 * The container's process is in it before its command runs: on v2 it is cloned into it
 * ({@link CgroupPlan#cloneInto()}), on v1 it moves itself in after "go" ({@link CgroupPlan#selfJoinFiles()}).
 * Its devices are limited to the nodes /dev has: on v1 by the devices list, on v2 by a BPF device program
 * attached to its folder.
 */
public final class CgroupStage implements Stage {
    @Override
    public String name() {
        return "cgroup";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        CgroupPlan plan = run.plan().cgroup();
        for (String warning : plan.warnings()) {
            run.progress().warn("contain: " + run.plan().name() + ": cgroup: warning: " + warning);
        }
        List<Undo> undos = new ArrayList<>(); // one journal write for all: ~2 ms less than one each
        for (Path parent : plan.sharedParents()) {
            undos.add(new Undo.SharedCgroup(parent));
        }
        List<Undo> freezers = new ArrayList<>();
        for (CgroupPlan.Dir dir : plan.dirs()) {
            (dir.freezer() ? freezers : undos).add(new Undo.Cgroup(dir.path()));
        }
        undos.addAll(freezers); // recorded last, undone first: it freezes what lingers (CgroupRemover)
        run.journal().record(undos);
        for (CgroupPlan.Dir dir : plan.dirs()) {
            mkdir(run, dir);
        }
        TestHooks.point("cgroup:created");
        for (CgroupPlan.Write w : plan.controllerEnables()) {
            write(run, w, w.value());
        }
        for (CgroupPlan.Write w : plan.limits()) {
            String value = w.value();
            if (w.cpuPercent() != null) {
                value = CgroupPlanner.quotaValue(run.plan().name(), w, read(run, w.periodFile()));
            }
            write(run, w, value);
        }
        if (!plan.deviceFilter().isEmpty()) {
            devices(run, plan);
        }
        TestHooks.point("cgroup:limited");
    }

    /** v1: the group starts with its parent's list: emptied, then what /dev has. v2: the BPF program. */
    private void devices(Run run, CgroupPlan plan) throws ContainerError {
        Path dir = plan.dir("devices");
        try {
            if (plan.v2()) {
                run.kernel().attachDeviceFilter(dir, DeviceFilter.program(plan.deviceFilter()));
            } else {
                run.kernel().write(dir.resolve("devices.deny"), "a");
                List<String> allow = new ArrayList<>(); // a loop: a stream's first linkage costs a cold run
                for (DeviceRule d : plan.deviceFilter()) {
                    allow.add(d.v1());
                }
                run.kernel().writeEach(dir.resolve("devices.allow"), allow);
            }
        } catch (IOException e) {
            throw fail(run, "cannot limit the devices of " + dir + ": " + Errors.reason(e), e, "devices");
        }
    }

    private void mkdir(Run run, CgroupPlan.Dir dir) throws ContainerError {
        for (int attempt = 0; ; attempt++) {
            try {
                run.kernel().mkdirs(dir.path());
                return;
            } catch (NoSuchFileException e) {
                if (attempt < 3) continue; // the shared parent was removed by a run leaving it at this instant
                throw fail(run, "cannot create " + dir.path(), e, dir.controller());
            } catch (IOException e) {
                throw fail(run, "cannot create " + dir.path(), e, dir.controller());
            }
        }
    }

    private void write(Run run, CgroupPlan.Write w, String value) throws ContainerError {
        try {
            run.kernel().write(w.file(), value);
        } catch (NoSuchFileException e) {
            if (w.optional()) {
                return; // e.g. memory.memsw.* without swap accounting: there is no swap to limit
            }
            throw fail(run, "cannot write " + w.file() + ": this kernel has no such file", e, w.controller());
        } catch (IOException e) {
            throw fail(run, "cannot write " + w.file() + ": " + Errors.reason(e), e, w.controller());
        }
    }

    private String read(Run run, Path file) throws ContainerError {
        try {
            return run.kernel().read(file);
        } catch (IOException e) {
            throw run.error(name(), "cannot read " + file + ": " + Errors.reason(e));
        }
    }

    private ContainerError fail(Run run, String what, IOException e, String controller) {
        String message = what.contains(": ") ? what : what + ": " + Errors.reason(e);
        String hint = Errors.reason(e).contains("Read-only") ? "; the cgroup filesystem is read-only here (is /sys/fs/cgroup mounted rw?)"
                : Errors.reason(e).contains("Permission") ? "; the " + controller + " controller is not delegated to this user" : "";
        return new ContainerError(run.plan().name(), name(), message + hint + (hint.isEmpty() ? "" : "; --ignore-missing-limits runs without it"), ContainerError.ENGINE, e);
    }
}
