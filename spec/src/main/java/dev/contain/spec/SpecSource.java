package dev.contain.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A spec file read as untrusted input: a regular file only (a FIFO, a device or a directory is named and
 * never opened, so nothing blocks or reads forever), at most {@link Limits#FILE_BYTES}, and strict UTF-8.
 * A file swapped for a FIFO between the check and the open could still block; reading stays bounded.
 */
final class SpecSource {
    /** The text, or the problem that stopped reading it. */
    static final class Read {
        final String text;
        final Problem problem;

        private Read(String text, Problem problem) {
            this.text = text;
            this.problem = problem;
        }
    }

    private SpecSource() {}

    static Read read(Path file, String display) {
        return read(file, display, "spec");
    }

    /** {@code what} names the file in problems: "spec", "seccomp profile". */
    static Read read(Path file, String display, String what) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return failed(display, e, what);
        }
        if (attributes.isDirectory()) {
            return problem(display, 1, 1, "cannot read " + what + ": it is a directory, not a file");
        }
        if (!attributes.isRegularFile()) {
            return problem(display, 1, 1, "cannot read " + what + ": it is " + special(file) + ", not a regular file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(Limits.FILE_BYTES + 1);
        } catch (IOException e) {
            return failed(display, e, what);
        }
        return decode(bytes, display, what);
    }

    /** The bytes of a spec as text, refused with the position of the first byte that is too many or not UTF-8. */
    static Read decode(byte[] bytes, String display) {
        return decode(bytes, display, "spec");
    }

    private static Read decode(byte[] bytes, String display, String what) {
        if (bytes.length > Limits.FILE_BYTES) {
            int[] at = Positions.after(new String(bytes, 0, Limits.FILE_BYTES, StandardCharsets.UTF_8));
            return problem(display, at[0], at[1], "the " + what + " is larger than " + (Limits.FILE_BYTES >> 20)
                    + " MiB, the most that is read; it was not read past this point");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            int[] at = Positions.after(new String(bytes, 0, offset, StandardCharsets.UTF_8));
            return problem(display, at[0], at[1], "the " + what + " is not UTF-8 text: byte 0x"
                    + Integer.toHexString(bytes[offset] & 0xff) + " (byte " + offset + " of the file) is not valid UTF-8 here");
        }
        return new Read(out.flip().toString(), null);
    }

    private static Read failed(String display, IOException e, String what) {
        String why = e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return problem(display, 1, 1, "cannot read " + what + ": " + why);
    }

    private static Read problem(String display, int line, int column, String message) {
        return new Read(null, new Problem(display, line, column, message));
    }

    /** What kind of special file it is, from its mode where the platform tells. */
    private static String special(Path file) {
        try {
            int type = ((Integer) Files.getAttribute(file, "unix:mode")) & 0170000;
            switch (type) {
                case 0010000: return "a FIFO (named pipe)";
                case 0020000: return "a character device";
                case 0060000: return "a block device";
                case 0140000: return "a socket";
                default: break;
            }
        } catch (IOException | RuntimeException e) {
            // no unix view: the general word
        }
        return "a special file";
    }
}
