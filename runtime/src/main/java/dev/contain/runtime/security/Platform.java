package dev.contain.runtime.security;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a seccomp profile's conditions and the capability sets depend on besides the spec: the machine's
 * architecture (in docker's two spellings), the kernel's version and its highest capability.
 *
 * @param goArch   the architecture as docker's profile conditions name it (amd64, arm64)
 * @param scmpArch the native one as the profile's archMap names it (SCMP_ARCH_X86_64)
 * @param kernel   the release, like 6.18.44 (from /proc/sys/kernel/osrelease)
 * @param lastCap  /proc/sys/kernel/cap_last_cap
 */
public record Platform(String goArch, String scmpArch, String kernel, int lastCap) {
    private static final Pattern VERSION = Pattern.compile("([0-9]+)\\.([0-9]+)");

    private static volatile Platform current;

    /**
     * This machine's, read from /proc once per JVM (two small reads; no native call), so the engine's warm-up
     * thread can read it while the command line is parsed (engine/Warmup).
     */
    public static Platform current() throws IOException {
        Platform p = current;
        if (p == null) {
            p = read();
            current = p;
        }
        return p;
    }

    private static Platform read() throws IOException {
        String javaArch = System.getProperty("os.arch");
        String goArch = switch (javaArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> javaArch;
        };
        String scmpArch = switch (goArch) {
            case "amd64" -> "SCMP_ARCH_X86_64";
            case "arm64" -> "SCMP_ARCH_AARCH64";
            default -> "SCMP_ARCH_" + goArch.toUpperCase(java.util.Locale.ROOT);
        };
        String release = sysctl("kernel/osrelease");
        int lastCap = Integer.parseInt(sysctl("kernel/cap_last_cap"));
        return new Platform(goArch, scmpArch, release, lastCap);
    }

    /**
     * One read of a whole sysctl file. Not Files.readString: for a file whose size shows as 0 it reads one byte
     * first, and a sysctl number read from an offset above 0 is empty, so cap_last_cap "40" came back as "4".
     */
    private static String sysctl(String name) throws IOException {
        try (InputStream in = new FileInputStream("/proc/sys/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
    }

    /** Whether the kernel is at least {@code version} (major.minor, as a profile's minKernel is written). */
    public boolean kernelAtLeast(String version) {
        Matcher want = VERSION.matcher(version);
        Matcher have = VERSION.matcher(kernel);
        if (!want.lookingAt() || !have.lookingAt()) {
            return false;
        }
        int major = Integer.parseInt(have.group(1)) - Integer.parseInt(want.group(1));
        return major != 0 ? major > 0 : Integer.parseInt(have.group(2)) >= Integer.parseInt(want.group(2));
    }
}
