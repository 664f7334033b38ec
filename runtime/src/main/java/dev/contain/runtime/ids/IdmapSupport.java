package dev.contain.runtime.ids;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Whether a folder can be the source of an idmapped mount that overlayfs then takes as a lower layer:
 * Linux 5.19 or later (overlayfs accepts idmapped layers since 5.19; mount_setattr's MOUNT_ATTR_IDMAP is
 * 5.12) and a filesystem that supports idmapped mounts. Decided from the kernel release and the folder's
 * filesystem type in /proc/self/mountinfo: no probe, no native call. Where this says yes and the kernel
 * still refuses, the init's error names the folder and the errno, and {@code --id-layers copy} is the way
 * round it.
 */
public final class IdmapSupport {
    /** Filesystems with FS_ALLOW_IDMAP by Linux 5.19 (tmpfs has it from 6.3). */
    private static final Set<String> IDMAPPABLE = Set.of("ext4", "ext3", "ext2", "xfs", "btrfs", "f2fs", "vfat", "msdos", "ntfs3");

    /** A yes, or a no with the reason the trace shows. */
    public record Answer(boolean idmap, String why) {}

    private final int[] kernel;
    private final String mountinfo;

    public IdmapSupport(String kernelRelease, String mountinfo) {
        this.kernel = version(kernelRelease);
        this.mountinfo = mountinfo;
    }

    /** This kernel, and the mount table as the engine read it for this plan. */
    public static IdmapSupport ofThisMachine(String mountinfo) {
        return new IdmapSupport(System.getProperty("os.version", ""), mountinfo);
    }

    public Answer check(Path folder) {
        if (!atLeast(5, 19)) {
            return new Answer(false, "Linux " + kernel[0] + "." + kernel[1] + " cannot give overlayfs idmapped layers (5.19+)");
        }
        String type = filesystemOf(folder);
        boolean tmpfs = type.equals("tmpfs") && atLeast(6, 3);
        if (IDMAPPABLE.contains(type) || tmpfs) {
            return new Answer(true, type);
        }
        return new Answer(false, type.isEmpty() ? "its filesystem is unknown" : type + " cannot be idmapped here");
    }

    /** The type of the mount that holds {@code folder}: the last mount over the longest matching mount point. */
    String filesystemOf(Path folder) {
        Path real;
        try {
            real = folder.toRealPath();
        } catch (IOException e) {
            real = folder.toAbsolutePath().normalize();
        }
        // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - TYPE SOURCE ...": fields by index, no split (a run pays this)
        String path = real.toString();
        String best = "";
        int bestLength = -1;
        for (int at = 0; at < mountinfo.length(); ) {
            int end = mountinfo.indexOf('\n', at);
            if (end < 0) end = mountinfo.length();
            int from = at;
            for (int field = 0; field < 4 && from >= at; field++) {
                from = mountinfo.indexOf(' ', from) + 1; // 0 when there is no space left
            }
            int to = from > at ? mountinfo.indexOf(' ', from) : -1;
            int dash = to > 0 ? mountinfo.indexOf(" - ", to) : -1;
            if (dash > 0 && dash < end) {
                String mountPoint = mountinfo.substring(from, to);
                if (mountPoint.indexOf('\\') >= 0) {
                    mountPoint = mountPoint.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
                }
                boolean under = mountPoint.equals("/") || path.equals(mountPoint)
                        || path.startsWith(mountPoint) && path.charAt(mountPoint.length()) == '/';
                if (under && mountPoint.length() >= bestLength) {
                    int typeEnd = mountinfo.indexOf(' ', dash + 3);
                    best = mountinfo.substring(dash + 3, typeEnd < 0 || typeEnd > end ? end : typeEnd);
                    bestLength = mountPoint.length();
                }
            }
            at = end + 1;
        }
        return best;
    }

    private boolean atLeast(int major, int minor) {
        return kernel[0] > major || kernel[0] == major && kernel[1] >= minor;
    }

    private static int[] version(String release) {
        String[] f = release.split("[.-]");
        try {
            return new int[] {Integer.parseInt(f[0]), f.length > 1 ? Integer.parseInt(f[1]) : 0};
        } catch (NumberFormatException e) {
            return new int[] {0, 0};
        }
    }
}
