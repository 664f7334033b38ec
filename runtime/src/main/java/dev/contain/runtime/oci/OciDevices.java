package dev.contain.runtime.oci;

import dev.contain.runtime.cgroup.DeviceRule;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.LinuxFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * linux.devices: device nodes and FIFOs the container's /dev must have, with their type, numbers, mode and
 * owner. Made with mknod; in a user namespace (where mknod of a device is refused) the host's node at the same
 * path is bound instead, as runc does, and must be that device. Each device is allowed in the device cgroup
 * (read, write, mknod): the spec says it MUST be available in the container.
 */
final class OciDevices {
    /** {@code ops}: what the init does, after /dev is mounted; {@code rules}: the device cgroup's allows; {@code paths}: the container paths. */
    record Result(List<InitOp> ops, List<DeviceRule> rules, List<String> paths) {}

    private OciDevices() {}

    static Result read(List<Node> devices, boolean userns) throws ContainerError {
        List<InitOp> ops = new ArrayList<>();
        List<DeviceRule> rules = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (Node d : devices) {
            String path = d.string("path", "");
            String type = d.string("type", "");
            Long major = d.number("major");
            Long minor = d.number("minor");
            Long mode = d.number("fileMode");
            Long uid = d.number("uid");
            Long gid = d.number("gid");
            d.done();
            Path p = Path.of(path).normalize();
            if (!path.startsWith("/") || p.getParent() == null || !p.toString().equals(path)) {
                throw d.error("path", "\"" + path + "\" is not an absolute, normalized path of a file");
            }
            if (paths.contains(path)) {
                throw d.error("path", path + " is listed twice");
            }
            char t = type.length() == 1 ? type.charAt(0) : '?';
            if (t == 'u') {
                t = 'c'; // unbuffered character device: the same node
            }
            if ("cbp".indexOf(t) < 0) {
                throw d.error("type", "\"" + type + "\" is not a device type (c, b, u or p)");
            }
            if (t != 'p' && (major == null || minor == null || major < 0 || minor < 0 || major > 0xfff || minor > 0xfffff)) {
                throw d.error(major == null || major < 0 || major > 0xfff ? "major" : "minor", "a device needs its major (0-4095) and minor (0-1048575) numbers");
            }
            if (mode != null && (mode < 0 || mode > 07777)) {
                throw d.error("fileMode", "not a file mode (permission bits only, 0 to 07777)");
            }
            for (Long id : new Long[] {uid, gid}) {
                if (id != null && (id < 0 || id > 4294967294L)) {
                    throw d.error(id == uid ? "uid" : "gid", "not an id (0 to 4294967294)");
                }
            }
            int m = mode == null ? 0666 : mode.intValue();
            long maj = major == null ? 0 : major;
            long min = minor == null ? 0 : minor;
            if (userns && t != 'p') {
                checkHostNode(d, p, t, maj, min);
                ops.add(new InitOp.Touch(path));
                ops.add(new InitOp.Mount(path, path, "", LinuxFlags.MS_BIND, ""));
            } else {
                ops.add(new InitOp.Mknod(path, t, maj, min, m, uid == null ? 0 : uid, gid == null ? 0 : gid));
            }
            if (t != 'p') {
                rules.add(new DeviceRule(t, maj, min, "rwm"));
            }
            paths.add(path);
        }
        return new Result(List.copyOf(ops), List.copyOf(rules), List.copyOf(paths));
    }

    /** In a user namespace the host's node is bound: it must be there and be this device. */
    private static void checkHostNode(Node d, Path path, char type, long major, long minor) throws ContainerError {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            long rdev = (Long) Files.getAttribute(path, "unix:rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int kind = mode & 0170000;
            long hostMajor = (rdev >>> 8) & 0xfff | (rdev >>> 32) & ~0xfffL;
            long hostMinor = rdev & 0xff | (rdev >>> 12) & ~0xffL;
            if (kind != (type == 'c' ? 0020000 : 0060000) || hostMajor != major || hostMinor != minor) {
                throw d.error("path", "in a user namespace the host's " + path + " is bound (mknod is not allowed there), and it is not "
                        + (type == 'c' ? "character" : "block") + " device " + major + ":" + minor);
            }
        } catch (IOException e) {
            throw d.error("path", "in a user namespace the host's " + path + " is bound (mknod is not allowed there), and it is missing");
        }
    }
}
