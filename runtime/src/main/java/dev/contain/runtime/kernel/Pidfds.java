package dev.contain.runtime.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Signals through a pidfd (Linux 5.3+): the pidfd is opened first, then the process's start time is
 * compared with the one recorded, so the signal reaches the process that was recorded or nothing, even if
 * its pid has been reused meanwhile (the pidfd pins the process it was opened for). Through libc's
 * syscall() with JNA, loaded on first use.
 */
final class Pidfds {
    private static final long SYS_PIDFD_OPEN = 434, SYS_PIDFD_SEND_SIGNAL = 424; // the same on x86_64 and aarch64
    private static final int ESRCH = 3;

    interface C extends Library {
        long syscall(long number, Object... args) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static C c;

    private static synchronized C c(Path dataRoot) throws IOException {
        if (c == null) {
            c = Jna.libc(dataRoot, C.class);
        }
        return c;
    }

    /** Sends {@code signal}; false when the process is gone (or is another one now). */
    static boolean signal(Kernel kernel, Path dataRoot, ProcessStamp process, int signal) throws IOException {
        C libc = c(dataRoot);
        int fd;
        try {
            fd = (int) libc.syscall(SYS_PIDFD_OPEN, (int) process.pid(), 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) {
                return false;
            }
            throw new IOException("pidfd_open " + process.pid() + ": errno " + e.getErrorCode(), e);
        }
        try {
            if (kernel.startTime(process.pid()).orElse(-1) != process.startTime()) {
                return false;
            }
            libc.syscall(SYS_PIDFD_SEND_SIGNAL, fd, signal, null, 0);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) {
                return false;
            }
            throw new IOException("pidfd_send_signal " + signal + " to " + process.pid() + ": errno " + e.getErrorCode(), e);
        } finally {
            libc.close(fd);
        }
    }
}
