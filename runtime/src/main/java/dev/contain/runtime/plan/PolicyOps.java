package dev.contain.runtime.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Places the policy's operations among a front end's mounts, one rule for every front end: idmapped lower
 * folders right after {@code make_private} (before the overlay that names them); masked and read-only paths
 * after every mount, before the root is made read-only, lo brought up, the hostname set and pivot_root.
 * Operations of an earlier policy are replaced, so a plan can be given another policy (see Planner.withPolicy).
 */
public final class PolicyOps {
    private PolicyOps() {}

    /** {@code overlayData}: new options for the overlay mounted at the root (they name the idmapped folders), or null: as they are. */
    public static List<InitOp> place(List<InitOp> ops, Security security, List<InitOp.Idmap> idmaps, String overlayData) {
        List<InitOp> out = new ArrayList<>();
        boolean placed = false;
        for (InitOp op : ops) {
            if (op instanceof InitOp.Idmap || op instanceof InitOp.Mask || op instanceof InitOp.Readonly) {
                continue;
            }
            if (!placed && endsMounts(op)) {
                addPaths(out, security);
                placed = true;
            }
            if (overlayData != null && op instanceof InitOp.Mount m && m.type().equals("overlay") && m.target().equals("/")) {
                op = new InitOp.Mount(m.source(), m.target(), m.type(), m.flags(), overlayData);
            }
            out.add(op);
            if (op instanceof InitOp.MakePrivate) {
                out.addAll(idmaps);
            }
        }
        if (!placed) {
            addPaths(out, security);
        }
        return List.copyOf(out);
    }

    private static void addPaths(List<InitOp> out, Security security) {
        for (String path : security.masked()) {
            out.add(new InitOp.Mask(path));
        }
        for (String path : security.readonly()) {
            out.add(new InitOp.Readonly(path));
        }
    }

    /** The first operation after the container's mounts: the root's read-only remount, lo, the hostname, pivot_root. */
    private static boolean endsMounts(InitOp op) {
        return op instanceof InitOp.PivotRoot || op instanceof InitOp.LoopbackUp || op instanceof InitOp.Hostname
                || op instanceof InitOp.Mount m && m.target().equals("/") && (m.flags() & LinuxFlags.MS_REMOUNT) != 0;
    }
}
