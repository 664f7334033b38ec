package dev.contain.runtime.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * bpf(2) for cgroup v2 device filters: BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program, then
 * BPF_PROG_ATTACH to the cgroup's folder with BPF_F_ALLOW_MULTI (programs of parent cgroups still apply; a
 * device must pass them all). Through JNA, loaded only by runs that attach one (cgroup v2 machines). The
 * attached program keeps a reference of its own: the descriptors are closed here.
 */
final class Bpf {
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int BPF_CGROUP_DEVICE = 6;
    private static final int BPF_F_ALLOW_MULTI = 2;
    private static final boolean AARCH64 = System.getProperty("os.arch").equals("aarch64");
    private static final long SYS_BPF = AARCH64 ? 280 : 321;
    private static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    private static final int O_CLOEXEC = 02000000;

    interface LibC extends Library {
        long syscall(long number, Object... args) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int close(int fd);
    }

    private static LibC libc;

    private Bpf() {}

    private static synchronized LibC libc() {
        if (libc == null) {
            libc = Native.load("libc.so.6", LibC.class);
        }
        return libc;
    }

    static void preload() {
        libc();
    }

    static void attachDeviceProgram(Path cgroup, byte[] program) throws IOException {
        LibC c = libc();
        int cgroupFd;
        try {
            cgroupFd = c.open(cgroup.toString(), O_DIRECTORY | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("open " + cgroup + ": " + strerror(e), e);
        }
        int prog = -1;
        try {
            prog = load(c, program);
            Memory attr = new Memory(20);
            attr.clear();
            attr.setInt(0, cgroupFd);
            attr.setInt(4, prog);
            attr.setInt(8, BPF_CGROUP_DEVICE);
            attr.setInt(12, BPF_F_ALLOW_MULTI);
            try {
                c.syscall(SYS_BPF, BPF_PROG_ATTACH, attr, 20);
            } catch (LastErrorException e) {
                throw new IOException("attach the device program to " + cgroup + ": " + strerror(e), e);
            }
        } finally {
            if (prog >= 0) c.close(prog);
            c.close(cgroupFd);
        }
    }

    /** The program's descriptor; on a refusal, the verifier's log says why. */
    private static int load(LibC c, byte[] program) throws IOException {
        Memory insns = new Memory(program.length);
        insns.write(0, program, 0, program.length);
        Memory license = new Memory(4);
        license.setString(0, "GPL", "US-ASCII");
        try {
            return (int) c.syscall(SYS_BPF, BPF_PROG_LOAD, loadAttr(insns, program.length / 8, license, null), 128);
        } catch (LastErrorException first) {
            Memory log = new Memory(1 << 16);
            log.clear();
            try {
                return (int) c.syscall(SYS_BPF, BPF_PROG_LOAD, loadAttr(insns, program.length / 8, license, log), 128);
            } catch (LastErrorException e) {
                String verifier = new String(log.getByteArray(0, 1 << 12), StandardCharsets.UTF_8).replace("\0", "").trim();
                throw new IOException("load the device program: " + strerror(e) + (verifier.isEmpty() ? "" : " (verifier: " + verifier + ")"), e);
            }
        }
    }

    /** union bpf_attr for BPF_PROG_LOAD, zero beyond what is set (the kernel requires it). */
    private static Memory loadAttr(Memory insns, int count, Memory license, Memory log) {
        Memory attr = new Memory(128);
        attr.clear();
        attr.setInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
        attr.setInt(4, count);
        attr.setLong(8, com.sun.jna.Pointer.nativeValue(insns));
        attr.setLong(16, com.sun.jna.Pointer.nativeValue(license));
        if (log != null) {
            attr.setInt(24, 1); // log_level
            attr.setInt(28, (int) log.size());
            attr.setLong(32, com.sun.jna.Pointer.nativeValue(log));
        }
        byte[] name = "contain_devices".getBytes(StandardCharsets.US_ASCII); // 15 characters and the NUL
        attr.write(48, name, 0, name.length);
        attr.setInt(68, BPF_CGROUP_DEVICE); // expected_attach_type
        return attr;
    }

    private static String strerror(LastErrorException e) {
        int errno = e.getErrorCode();
        return switch (errno) {
            case 1 -> "Operation not permitted";
            case 2 -> "No such file or directory";
            case 13 -> "Permission denied";
            case 22 -> "Invalid argument";
            case 38 -> "Function not implemented (a kernel without bpf(2))";
            default -> "errno " + errno;
        };
    }
}
