package dev.contain.runtime.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The file operations Java has no call for, which unpacking a layer as root needs: device nodes, owners
 * and times of symlinks, set-id and sticky bits, xattrs outside the {@code user.} namespace (overlay's
 * {@code trusted.*}, {@code security.capability}). Through libc with JNA, loaded on first use; none of them
 * follows a symlink at the end of the path. Errors are IOExceptions naming the call, the path and errno.
 */
public final class NativeFiles {
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;

    interface C extends Library {
        int mknod(String path, int mode, long dev) throws LastErrorException;

        int lchown(String path, int uid, int gid) throws LastErrorException;

        int chmod(String path, int mode) throws LastErrorException;

        int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;

        int lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

        int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

        String strerror(int errno);
    }

    private final C c;

    private NativeFiles(C c) {
        this.c = c;
    }

    private static NativeFiles instance;

    /** libc, loaded once (JNA's start-up: ~50 ms the first time). */
    static synchronized NativeFiles load(Path dataRoot) throws IOException {
        if (instance == null) {
            instance = new NativeFiles(Jna.libc(dataRoot, C.class));
        }
        return instance;
    }

    /** A device node or fifo; {@code type} is one of the S_IF* constants. */
    public void mknod(Path path, int type, int mode, int major, int minor) throws IOException {
        long dev = ((long) (major & 0xfff) << 8) | (minor & 0xff) | ((long) (minor & ~0xff) << 12) | ((long) (major & ~0xfff) << 32);
        call("mknod", path, () -> c.mknod(path.toString(), type | (mode & 07777), dev));
    }

    public void lchown(Path path, long uid, long gid) throws IOException {
        call("lchown", path, () -> c.lchown(path.toString(), (int) uid, (int) gid));
    }

    /** chmod with the set-id and sticky bits, which Java's PosixFilePermission cannot express. */
    public void chmod(Path path, int mode) throws IOException {
        call("chmod", path, () -> c.chmod(path.toString(), mode & 07777));
    }

    public void lsetxattr(Path path, String name, byte[] value) throws IOException {
        call("lsetxattr " + name, path, () -> c.lsetxattr(path.toString(), name, value, value.length, 0));
    }

    /** The xattr's value, or null if the file has none of that name. */
    public byte[] lgetxattr(Path path, String name) throws IOException {
        byte[] buf = new byte[4096];
        try {
            int n = c.lgetxattr(path.toString(), name, buf, buf.length);
            return java.util.Arrays.copyOf(buf, n);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 61) { // ENODATA
                return null;
            }
            throw error("lgetxattr " + name, path, e);
        }
    }

    /** Access and modification times of the path itself, a symlink included. */
    public void setTimes(Path path, long atimeSeconds, long atimeNanos, long mtimeSeconds, long mtimeNanos) throws IOException {
        long[] times = {atimeSeconds, atimeNanos, mtimeSeconds, mtimeNanos};
        call("utimensat", path, () -> c.utimensat(AT_FDCWD, path.toString(), times, AT_SYMLINK_NOFOLLOW));
    }

    private interface Call {
        int run() throws LastErrorException;
    }

    private void call(String what, Path path, Call call) throws IOException {
        try {
            call.run();
        } catch (LastErrorException e) {
            throw error(what, path, e);
        }
    }

    private IOException error(String what, Path path, LastErrorException e) {
        return new IOException(what + " " + path + ": " + c.strerror(e.getErrorCode()));
    }
}
