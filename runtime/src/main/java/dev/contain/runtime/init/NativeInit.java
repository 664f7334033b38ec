package dev.contain.runtime.init;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The static C init shipped in the jar, extracted once to {@code <data root>/bin/contain-init-<sha256>}
 * and checked against its digest (computed at build time) before each use, so a truncated or altered
 * copy is never run, and a run reads the binary out of the jar only the first time.
 */
public final class NativeInit {
    private static final String RESOURCE = "/dev/contain/runtime/init/contain-init";

    private NativeInit() {}

    public static Path ensure(Path dataRoot) throws IOException {
        String digest = expectedDigest();
        Path target = dataRoot.resolve("bin").resolve("contain-init-" + digest.substring(0, 16));
        if (Files.isRegularFile(target) && sha256(Files.readAllBytes(target)).equals(digest)) {
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
        return target;
    }

    private static String expectedDigest() throws IOException {
        try (InputStream in = resource(RESOURCE + ".sha256")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0];
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = NativeInit.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("the native init is missing from the jar (" + name + "); rebuild with make build");
        }
        return in;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
