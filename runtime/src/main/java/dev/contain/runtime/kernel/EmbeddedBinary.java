package dev.contain.runtime.kernel;

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
import java.util.zip.CRC32;

/**
 * A native binary shipped in the jar, extracted once under {@code <data root>/bin} after checking it
 * against its SHA-256 (computed by the build and compiled in, so a run does not open the jar). Each use
 * checks the extracted copy against the CRC-32 recorded at extraction (native and hardware-accelerated:
 * a SHA-256 costs ~20 ms of start-up in a JVM that has compiled nothing, and CRC32C's class initialiser
 * computes its tables in Java), so a truncated or corrupted copy is never used; the folder is root's, so
 * only root could swap it. The binary is read out of the jar only the first time.
 *
 * @param resource where the jar holds it
 * @param target   its path under bin, with %s for the first 16 hex digits of its digest
 */
public record EmbeddedBinary(String resource, String target, String sha256) {
    /** The static C init that creates a container's namespaces and execs its command. */
    public static final EmbeddedBinary CONTAIN_INIT =
            new EmbeddedBinary("/dev/contain/runtime/init/contain-init", "contain-init-%s", BuildDigests.CONTAIN_INIT);
    /** JNA's own native library, for runs with a bridge network on x86-64 (JNA's name is fixed). */
    public static final EmbeddedBinary JNA_DISPATCH_X86_64 = new EmbeddedBinary(
            "/com/sun/jna/linux-x86-64/libjnidispatch.so", "jnidispatch-%s/libjnidispatch.so", BuildDigests.JNA_DISPATCH_X86_64);

    /** The checked, extracted copy. */
    public Path ensure(Path dataRoot) throws IOException {
        Path path = dataRoot.resolve("bin").resolve(target.replace("%s", sha256.substring(0, 16)));
        Path crcFile = path.resolveSibling(path.getFileName() + ".crc32");
        if (Files.isRegularFile(path) && Files.isRegularFile(crcFile)
                && Files.readString(crcFile).trim().equals(crc32(Files.readAllBytes(path)))) {
            return path;
        }
        byte[] bytes;
        try (InputStream in = EmbeddedBinary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is missing from the jar; rebuild with make build");
            }
            bytes = in.readAllBytes();
        }
        if (!sha256(bytes).equals(sha256)) {
            throw new IOException(resource + " in the jar does not match its digest; rebuild with make build");
        }
        boolean made = !Files.isDirectory(path.getParent());
        try {
            Files.createDirectories(path.getParent());
        } catch (IOException e) {
            throw new IOException("cannot create " + path.getParent() + ": " + Errors.reason(e), e);
        }
        try {
            install(dataRoot, path, bytes, true);
            install(dataRoot, crcFile, (crc32(bytes) + "\n").getBytes(StandardCharsets.US_ASCII), false);
        } catch (IOException e) {
            if (made) { // a folder of its own (JNA's): nothing of a failed extraction stays
                Files.deleteIfExists(path);
                Files.deleteIfExists(path.getParent());
            }
            throw e;
        }
        return path;
    }

    /**
     * Writes a file beside {@code target} and renames it into place: readers see the whole file or none. On
     * failure (a full data root, say) the temporary is removed and the error names the file.
     */
    private static void install(Path dataRoot, Path target, byte[] bytes, boolean executable) throws IOException {
        Path tmp = null;
        // held shared while the temporary exists: contain gc removes one only when no writer holds it
        try (StoreLock ignored = StoreLock.shared(dataRoot)) {
            tmp = Files.createTempFile(target.getParent(), ".extract-", ".tmp");
            Files.write(tmp, bytes);
            TestHooks.named("extract:written"); // only the first run of a data root passes it
            if (executable) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new IOException("cannot extract " + target + ": " + Errors.reason(e), e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static String crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
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
