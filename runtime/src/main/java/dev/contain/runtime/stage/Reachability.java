package dev.contain.runtime.stage;

import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.LinuxFlags;
import dev.contain.runtime.plan.Plan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Why a container's root, an unprivileged host uid, was refused a folder it needs (EACCES from the init):
 * overlayfs looks up the container's folder with the mounter's rights, and a bind mount's source is looked
 * up by the container's process, so every folder above them must let that uid through. Asked only when a
 * run failed so: a run that works pays nothing for it.
 */
public final class Reachability {
    private Reachability() {}

    /** "; the container's root (host uid N) cannot reach ...: FOLDER is mode 0700; ...", or "" when nothing is in the way. */
    public static String hint(Plan plan, IdMaps maps) {
        long uid = maps.hostUid(0);
        long gid = maps.hostGid(0);
        if (uid <= 0) {
            return ""; // host root goes everywhere
        }
        try {
            String why = plan.containerDir() == null ? "" : blocked(plan.containerDir().getParent(), uid, gid, "its writable layer");
            for (InitOp op : plan.ops()) { // the bind mounts' host sources
                if (why.isEmpty() && op instanceof InitOp.Mount m && (m.flags() & LinuxFlags.MS_BIND) != 0
                        && (m.flags() & LinuxFlags.MS_REMOUNT) == 0 && m.source().startsWith("/") && Path.of(m.source()).getParent() != null) {
                    why = blocked(Path.of(m.source()).getParent(), uid, gid, "the bind mount source " + m.source());
                }
            }
            return why;
        } catch (IOException e) {
            return "";
        }
    }

    private static String blocked(Path folder, long uid, long gid, String what) throws IOException {
        for (Path p = folder.toRealPath(); p != null; p = p.getParent()) {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid");
            int mode = (int) a.get("mode");
            boolean search = (mode & 01) != 0 || (int) a.get("uid") == uid && (mode & 0100) != 0
                    || (int) a.get("gid") == gid && (mode & 010) != 0;
            if (!search) {
                return "; the container's root (host uid " + uid + ") cannot reach " + what + ": " + p + " is mode "
                        + String.format("%04o", mode & 07777) + "; let others through it (chmod o+x " + p
                        + "), use another --root, or give the container the host's ids (users: host)";
            }
        }
        return "";
    }
}
