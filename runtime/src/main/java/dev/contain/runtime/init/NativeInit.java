package dev.contain.runtime.init;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The static C init shipped in the jar, extracted once to {@code <data root>/bin/contain-init-<sha256>}
 * after checking it against its SHA-256 (computed by the build and compiled in, so a run does not open
 * the jar). Each run checks the extracted copy against the CRC-32 recorded at extraction (native and
 * hardware-accelerated: a SHA-256 of the binary costs ~20 ms of start-up in a C1-only JVM, and CRC32C's
 * class initialiser computes its tables in Java), so a truncated or corrupted copy is never run; the
 * folder is root's, so only root could swap it. The binary is read out of the jar only the first time.
 */
public final class NativeInit {
    private static final String RESOURCE = "/dev/contain/runtime/init/contain-init";

    private NativeInit() {}

    public static Path ensure(Path dataRoot) throws IOException {
        String digest = expectedDigest();
        Path target = dataRoot.resolve("bin").resolve("contain-init-" + digest.substring(0, 16));
        Path crcFile = target.resolveSibling(target.getFileName() + ".crc32");
        if (Files.isRegularFile(target) && Files.isRegularFile(crcFile)
                && Files.readString(crcFile).trim().equals(crc32(Files.readAllBytes(target)))) {
            return target;
        }
        byte[] bytes;
        try (InputStream in = resource(RESOURCE)) {
            bytes = in.readAllBytes();
        }
        if (!sha256(bytes).equals(digest)) {
            throw new IOException("the native init in the jar does not match its digest; rebuild with make build");
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".contain-init-", ".tmp");
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path crcTmp = Files.createTempFile(target.getParent(), ".contain-init-", ".crc");
        Files.writeString(crcTmp, crc32(bytes) + "\n");
        Files.move(crcTmp, crcFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** The SHA-256 of the init in this jar, recorded at build time. */
    static String expectedDigest() {
        return InitDigest.SHA256;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = NativeInit.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("the native init is missing from the jar (" + name + "); rebuild with make build");
        }
        return in;
    }

    private static String crc32(byte[] bytes) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes);
        return Long.toHexString(crc.getValue()) + " " + bytes.length;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
