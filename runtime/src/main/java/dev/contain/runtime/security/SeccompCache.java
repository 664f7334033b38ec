package dev.contain.runtime.security;

import dev.contain.runtime.json.JsonWriter;
import dev.contain.runtime.kernel.LibSeccomp;
import dev.contain.runtime.kernel.SeccompRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Compiled seccomp filters in {@code <data root>/seccomp}, one file per key: a run whose filter is here
 * loads its bytes without JNA or libseccomp (a first compile costs ~60 ms, most of it loading JNA). A file
 * is a header line (format, CRC-32 and length of the program, its rule count and what it was made for,
 * for the dry run) and the BPF program. Written atomically, in a folder only root can enter; a file whose
 * CRC or length does not match is ignored and made again, so a torn or corrupted program is never loaded.
 */
public final class SeccompCache {
    private static final String MAGIC = "contain-seccomp-bpf";
    /** The kernel's BPF_MAXINSNS: a classic BPF program is at most 4096 instructions of 8 bytes. */
    static final int MAX_BYTES = 4096 * 8;

    private final Path dir;

    public SeccompCache(Path dataRoot) {
        this.dir = dataRoot.resolve("seccomp");
    }

    /**
     * What a compiled filter is kept by: the profile's bytes (their SHA-256), and what applying it depends on: the
     * native architecture (which picks the profile's arch list), the bounding capabilities (its conditional
     * rules), the kernel release (minKernel), libseccomp itself (its real file, size and date) and how the engine
     * asks libseccomp to build it ({@link LibSeccomp#BUILD}). The key is
     * these values themselves, readable in the file name, not a digest of them: a SHA-256 here would cost ~15 ms
     * of every cold run (java.security's provider set-up), for nothing a file name cannot hold.
     */
    public static String key(String profileSha256, Platform platform, long bounding, String libseccomp) {
        return profileSha256 + "-" + platform.goArch() + "-" + CapabilitySets.hex(bounding) + "-" + safe(platform.kernel())
                + "-" + safe(libseccomp) + "-" + LibSeccomp.BUILD;
    }

    /**
     * The key of a filter compiled from {@code rules} that no profile file names (an OCI config's linux.seccomp): their
     * CRC-32 and length, and what compiling them depends on (the native architecture, libseccomp, {@link
     * LibSeccomp#BUILD}; not the kernel release: libseccomp's output does not depend on it, and an action the kernel
     * lacks fails the load, not the compile). A CRC is no proof, so the entry keeps the rules' exact text ({@link #source}) and {@link
     * #read(String, String)} takes it only when that text is the same: no SHA-256 (~10 ms of a cold JVM) for that.
     */
    public static String keyForRules(String source, Platform platform, String libseccomp) {
        byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
        return "rules-" + crc32(bytes) + "-" + bytes.length + "-" + platform.goArch() + "-" + safe(libseccomp)
                + "-" + LibSeccomp.BUILD;
    }

    /**
     * The rules as text, one way only (each string quoted, as JSON): what an entry from {@link #keyForRules} keeps.
     * Written directly, not through JsonWriter's maps and lists: podman's profile is ~400 rules, and every create
     * builds this text (interpreted: 4 -> ~1 ms).
     */
    public static String source(SeccompRules rules) {
        StringBuilder s = new StringBuilder(64 + 48 * rules.rules().size());
        s.append('[').append(rules.defaultAction()).append(",[");
        for (int i = 0; i < rules.arches().size(); i++) {
            s.append(i == 0 ? "" : ",").append(JsonWriter.quote(rules.arches().get(i)));
        }
        s.append("],[");
        for (int i = 0; i < rules.rules().size(); i++) {
            SeccompRules.Rule r = rules.rules().get(i);
            s.append(i == 0 ? "[" : ",[").append(JsonWriter.quote(r.syscall())).append(',').append(r.action()).append(",[");
            for (int j = 0; j < r.args().size(); j++) {
                SeccompRules.Cmp c = r.args().get(j);
                s.append(j == 0 ? "[" : ",[").append(c.index()).append(',').append(c.op()).append(',').append(c.a()).append(',')
                        .append(c.b()).append(']');
            }
            s.append("]]");
        }
        return s.append("]]").toString();
    }

    private static String safe(String text) {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            s.append(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' ? c : '_');
        }
        return s.toString();
    }

    /**
     * A cached program: the BPF, how many rules made it, its architectures (for the dry run), and the rules' text for
     * an entry keyed by {@link #keyForRules} ("" for one keyed by its profile's digest).
     */
    public record Entry(byte[] bpf, int rules, List<String> arches, String source) {
        public Entry {
            arches = List.copyOf(arches);
        }

        public Entry(byte[] bpf, int rules, List<String> arches) {
            this(bpf, rules, arches, "");
        }
    }

    public Path file(String key) {
        return dir.resolve(key + ".bpf");
    }

    /** The entry of a {@link #keyForRules} key, if it is there, intact, and made from exactly {@code source}. */
    public Optional<Entry> read(String key, String source) {
        return read(key).filter(e -> e.source().equals(source));
    }

    /** The entry, if it is there and intact. */
    public Optional<Entry> read(String key) {
        byte[] all;
        try {
            all = Files.readAllBytes(file(key));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        int nl = indexOf(all, (byte) '\n');
        if (nl < 0) {
            return Optional.empty();
        }
        String[] h = new String(all, 0, nl, StandardCharsets.UTF_8).split(" ", -1); // -1: an empty arches field stays
        try {
            // format 1: the program alone; 2: the program, then the rules' text (the rest of the file)
            if (h.length != 6 || !h[0].equals(MAGIC) || !h[1].equals("1") && !h[1].equals("2")) {
                return Optional.empty();
            }
            int length = Integer.parseInt(h[3]);
            if (length < 0 || length > all.length - (nl + 1)) { // compared so, a huge length cannot overflow
                return Optional.empty();
            }
            int end = h[1].equals("1") ? all.length : nl + 1 + length;
            byte[] bpf = Arrays.copyOfRange(all, nl + 1, end);
            if (bpf.length != length || !valid(bpf) || !crc32(bpf).equals(h[2])) {
                return Optional.empty();
            }
            String source = new String(all, end, all.length - end, StandardCharsets.UTF_8);
            return Optional.of(new Entry(bpf, Integer.parseInt(h[4]), h[5].isEmpty() ? List.of() : List.of(h[5].split(",")), source));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public void store(String key, Entry entry) throws IOException {
        if (!valid(entry.bpf())) {
            throw new IOException("refusing to cache a BPF program of " + entry.bpf().length + " bytes");
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        String header = MAGIC + (entry.source().isEmpty() ? " 1 " : " 2 ") + crc32(entry.bpf()) + " " + entry.bpf().length + " " + entry.rules() + " "
                + String.join(",", entry.arches()) + "\n";
        byte[] head = header.getBytes(StandardCharsets.UTF_8);
        byte[] source = entry.source().getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(head, head.length + entry.bpf().length + source.length);
        System.arraycopy(entry.bpf(), 0, all, head.length, entry.bpf().length);
        System.arraycopy(source, 0, all, head.length + entry.bpf().length, source.length);
        Path tmp = Files.createTempFile(dir, ".store-", ".tmp");
        try {
            Files.write(tmp, all);
            Files.move(tmp, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Whole instructions, at least one, at most the kernel's limit. */
    static boolean valid(byte[] bpf) {
        return bpf.length > 0 && bpf.length % 8 == 0 && bpf.length <= MAX_BYTES;
    }

    private static String crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return Long.toHexString(crc.getValue());
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < Math.min(bytes.length, 512); i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
