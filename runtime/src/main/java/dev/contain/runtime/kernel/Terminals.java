package dev.contain.runtime.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** A terminal's settings saved and set again (tcgetattr, tcsetattr) through libc with JNA, loaded on first use. */
final class Terminals {
    private static final int TCSANOW = 0;
    /** struct termios is 60 bytes on Linux's x86_64 and aarch64 glibc; room to spare. */
    private static final int TERMIOS_BYTES = 128;

    interface C extends Library {
        int tcgetattr(int fd, byte[] termios) throws LastErrorException;

        int tcsetattr(int fd, int optionalActions, byte[] termios) throws LastErrorException;
    }

    private static C c;

    private static synchronized C c(Path dataRoot) throws IOException {
        if (c == null) {
            Jna.configure(dataRoot);
            try {
                c = Native.load("c", C.class);
            } catch (LinkageError e) {
                throw new IOException("cannot load libc through JNA: " + e.getMessage(), e);
            }
        }
        return c;
    }

    static Optional<TerminalSettings> save(Path dataRoot, int fd) throws IOException {
        byte[] termios = new byte[TERMIOS_BYTES];
        try {
            c(dataRoot).tcgetattr(fd, termios);
            return Optional.of(new TerminalSettings(fd, termios));
        } catch (LastErrorException e) { // ENOTTY, EBADF: no terminal to look after
            return Optional.empty();
        }
    }

    static void restore(Path dataRoot, TerminalSettings settings) throws IOException {
        try {
            c(dataRoot).tcsetattr(settings.fd(), TCSANOW, settings.termios());
        } catch (LastErrorException e) {
            throw new IOException("tcsetattr on fd " + settings.fd() + ": errno " + e.getErrorCode(), e);
        }
    }
}
