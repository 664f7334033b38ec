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
 * and checked against its digest before each use, so a truncated or altered copy is never run.
 */
public final class NativeInit {
    private static final String RESOURCE = "/dev/contain/runtime/init/contain-init";

    private NativeInit() {}

    public static Path ensure(Path dataRoot) throws IOException {
        byte[] bytes;
        try (InputStream in = NativeInit.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the native init is missing from the jar (" + RESOURCE + "); rebuild with make build");
            }
            bytes = in.readAllBytes();
        }
        String digest = sha256(bytes);
        Path dir = dataRoot.resolve("bin");
        Path target = dir.resolve("contain-init-" + digest.substring(0, 16));
        if (Files.isRegularFile(target) && sha256(Files.readAllBytes(target)).equals(digest)) {
            return target;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".contain-init-", ".tmp");
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
