package dev.contain.runtime.plan;

import dev.contain.runtime.ids.IdMap;
import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.ids.IdPlan;
import dev.contain.runtime.ids.IdRange;
import dev.contain.runtime.ids.Lower;
import dev.contain.runtime.image.RangeCopies;
import java.nio.file.Path;

/** The --dry-run lines of the user namespace: the range, the maps, the owners of the layers. */
final class IdPrinter {
    private IdPrinter() {}

    /** Before the cgroup: the range taken and what is done with it. */
    static void userns(Plan plan, StringBuilder s) {
        IdPlan ids = plan.ids();
        IdRange preview = preview(plan);
        switch (ids.kind()) {
            case NONE -> s.append("userns: none: the container's ids are the host's, its root is host root\n");
            case HOST -> s.append("userns: users: host: ids 0-65535 are the host's own, the container's root is host root\n");
            case ENGINE_USER -> s.append("userns: the container's root is the engine's user\n");
            case EXPLICIT -> s.append("userns: the spec's maps\n");
            case RANGE -> s.append("userns: take a range of ").append(IdRange.SIZE).append(" host ids from the pool (")
                    .append(ids.pool().describe()).append("): ")
                    .append(preview == null ? "none is free now" : preview.describe() + " now")
                    .append("; released at teardown\n");
        }
        IdMaps maps = ids.maps(preview != null ? preview : new IdRange(0, 0, IdRange.SIZE));
        long uid = maps.hostUid(0);
        long gid = maps.hostGid(0);
        if (ids.userNamespace() && (uid > 0 || gid > 0)) {
            s.append("userns: chown ").append(plan.containerDir()).append(", ").append(plan.upperDir()).append(", ")
                    .append(plan.workDir()).append(" to ").append(uid).append(':').append(gid).append(" (the container's root)\n");
        }
        Path ranges = plan.containerDir().getParent().resolveSibling(RangeCopies.FOLDER);
        int storeLayers = 0;
        for (Lower l : ids.lowers()) {
            if (l.store() && l.mode() != Lower.Mode.AS_IS && storeLayers++ > 0) {
                continue; // one line for the store's view
            }
            switch (l.mode()) {
                case AS_IS -> { }
                case IDMAP -> s.append("userns: ").append(l.store() ? "the layer store (" + l.source().getParent() + " and its links)"
                                : l.source()).append(": idmapped at ")
                        .append(l.store() ? plan.containerDir().resolve("layers") + " and " + plan.containerDir().resolve("l") : l.target())
                        .append(" (").append(l.why()).append(")\n");
                case COPY -> s.append("userns: ").append(l.store() ? "the image's layers" : l.source()).append(": ")
                        .append(l.store() || l.image() != null ? "copies chowned for the range, made once and kept in " + ranges
                                : "a copy chowned for the range at " + l.target())
                        .append(" (").append(l.why()).append(")\n");
            }
        }
        if (ids.shortcut() != null) {
            s.append("userns: link ").append(ids.shortcut()).append(" -> ").append(plan.containerDir())
                    .append(" (short names for the overlay's ").append(ids.lowers().size()).append(" layers)\n");
        }
    }

    /** The range a run would take now (read, not taken; a real run takes one in its userns stage), or null. */
    private static IdRange preview(Plan plan) {
        IdPlan ids = plan.ids();
        return ids.kind() != IdPlan.Kind.RANGE ? null
                : new dev.contain.runtime.ids.IdRanges(plan.stateDir().getParent()).peek(ids.pool()).orElse(null);
    }

    /** The map writes, in the namespaces stage. */
    static void namespaces(Plan plan, StringBuilder s) {
        IdPlan ids = plan.ids();
        if (ids.denySetgroups()) {
            s.append("namespaces: write deny to /proc/PID/setgroups\n");
        }
        IdRange preview = preview(plan);
        IdMaps maps = ids.kind() == IdPlan.Kind.RANGE && preview != null ? ids.maps(preview) : ids.maps(null);
        String note = ids.kind() == IdPlan.Kind.RANGE ? (preview != null ? " (the range above)" : " (plus the range's first id)") : "";
        for (IdMap m : maps.uid()) {
            s.append("namespaces: write /proc/PID/uid_map: ").append(m).append(note).append('\n');
        }
        for (IdMap m : maps.gid()) {
            s.append("namespaces: write /proc/PID/gid_map: ").append(m).append(note).append('\n');
        }
    }
}
