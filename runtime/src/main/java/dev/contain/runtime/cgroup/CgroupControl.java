package dev.contain.runtime.cgroup;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.Errors;
import dev.contain.runtime.kernel.Kernel;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A running container's cgroup, acted on (OCI ps, pause, resume, kill --all, update): which files, what values.
 * Pausing uses the v1 freezer hierarchy where the controllers live in v1 (hybrid and legacy machines: every
 * container has a freezer folder), else v2's cgroup.freeze.
 */
public final class CgroupControl {
    private static final int FREEZE_ATTEMPTS = 1000;

    private final CgroupLayout layout;
    private final Kernel kernel;

    public CgroupControl(CgroupLayout layout, Kernel kernel) {
        this.layout = layout;
        this.kernel = kernel;
    }

    /** The container's folders, as its journal lists them, by the controller of their hierarchy ("cgroup2" on v2). */
    public List<CgroupPlan.Dir> dirs(List<Path> paths) {
        List<CgroupPlan.Dir> out = new ArrayList<>();
        for (Path p : paths) {
            if (layout.usesV2()) {
                out.add(new CgroupPlan.Dir("cgroup2", p));
                continue;
            }
            String first = null;
            boolean freezer = false;
            for (var e : layout.v1().entrySet()) {
                if (p.startsWith(e.getValue().mountPoint())) {
                    first = first == null ? e.getKey() : first;
                    freezer |= e.getKey().equals("freezer");
                }
            }
            if (first != null) {
                out.add(new CgroupPlan.Dir(first, p, freezer));
            }
        }
        return out;
    }

    /** The pids of every process in the container's cgroup, in the order the kernel lists them (none once it is gone). */
    public List<Long> pids(List<CgroupPlan.Dir> dirs) throws IOException {
        List<Long> out = new ArrayList<>();
        if (dirs.isEmpty()) {
            return out;
        }
        String procs;
        try {
            procs = kernel.read(dirs.get(0).path().resolve("cgroup.procs"));
        } catch (NoSuchFileException e) {
            return out;
        }
        for (String pid : procs.split("\\s+")) {
            if (!pid.isEmpty()) {
                out.add(Long.parseLong(pid));
            }
        }
        return out;
    }

    /** The file that freezes the container, or null when it has none (v1 without the freezer hierarchy). */
    private Path freezer(List<CgroupPlan.Dir> dirs) {
        for (CgroupPlan.Dir d : dirs) {
            if (d.controller().equals("cgroup2")) {
                return d.path().resolve("cgroup.freeze");
            }
            if (d.freezer()) {
                return d.path().resolve("freezer.state");
            }
        }
        return null;
    }

    public boolean frozen(List<CgroupPlan.Dir> dirs) {
        Path f = freezer(dirs);
        try {
            return f != null && kernel.read(f).trim().equals(v2(f) ? "1" : "FROZEN");
        } catch (IOException e) {
            return false;
        }
    }

    /** Freezes every process of the container, and waits until the kernel says they are (a v1 freeze may need asking again). */
    public void freeze(String name, List<CgroupPlan.Dir> dirs) throws ContainerError {
        Path f = need(name, "pause", dirs);
        String done = v2(f) ? "frozen 1" : "FROZEN";
        try {
            for (int attempt = 0; attempt < FREEZE_ATTEMPTS; attempt++) {
                kernel.write(f, v2(f) ? "1" : "FROZEN");
                String now = kernel.read(v2(f) ? f.resolveSibling("cgroup.events") : f);
                if (now.contains(done)) {
                    return;
                }
                Thread.sleep(attempt < 10 ? 1 : 10);
            }
            thaw(name, dirs);
            throw new ContainerError(name, "pause", f + " did not become frozen; thawed again");
        } catch (IOException e) {
            throw new ContainerError(name, "pause", "cannot write " + f + ": " + Errors.reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerError(name, "pause", "interrupted");
        }
    }

    public void thaw(String name, List<CgroupPlan.Dir> dirs) throws ContainerError {
        Path f = need(name, "resume", dirs);
        try {
            kernel.write(f, v2(f) ? "0" : "THAWED");
        } catch (IOException e) {
            throw new ContainerError(name, "resume", "cannot write " + f + ": " + Errors.reason(e));
        }
    }

    /** Writes the limits (from {@link CgroupPlanner#updates}); an optional file the kernel lacks is skipped. */
    public void apply(String name, List<CgroupPlan.Write> writes) throws ContainerError {
        for (CgroupPlan.Write w : writes) {
            try {
                String value = w.value();
                if (w.cpuPercent() != null) {
                    value = CgroupPlanner.quotaValue(name, w, kernel.read(w.periodFile()));
                }
                kernel.write(w.file(), value);
            } catch (NoSuchFileException e) {
                if (!w.optional()) {
                    throw new ContainerError(name, "update", "cannot write " + w.file() + ": this kernel has no such file");
                }
            } catch (IOException e) {
                throw new ContainerError(name, "update", "cannot write " + w.file() + ": " + Errors.reason(e));
            }
        }
    }

    private Path need(String name, String what, List<CgroupPlan.Dir> dirs) throws ContainerError {
        Path f = freezer(dirs);
        if (f == null) {
            throw new ContainerError(name, what, "the container has no freezer cgroup (the freezer controller is not mounted)");
        }
        return f;
    }

    private static boolean v2(Path f) {
        return f.getFileName().toString().equals("cgroup.freeze");
    }
}
