package dev.contain.runtime.security;

import java.nio.file.Path;
import java.util.List;

/**
 * The container's compiled seccomp filter, for the init to load last before exec.
 *
 * @param source    what it was made from: "default" or the profile's path
 * @param flags     SECCOMP_FILTER_FLAG_* for seccomp(2)
 * @param bpf       the program (struct sock_filter[], native byte order)
 * @param rules     how many libseccomp rules made it
 * @param arches    its architectures, native first (SCMP_ARCH_X86_64 ...)
 * @param cacheFile where it is cached, or null when it cannot be (libseccomp not found where expected)
 * @param cacheKey  its key there
 * @param fromCache whether it was read from there; if not, a run stores it ({@link #storeIfNew})
 */
public record SeccompFilter(String source, int flags, byte[] bpf, int rules, List<String> arches, Path cacheFile,
                            String cacheKey, boolean fromCache) {
    public SeccompFilter {
        arches = List.copyOf(arches);
    }

    public int instructions() {
        return bpf.length / 8;
    }

    /** Caches a program this run compiled, so the next run with the same key loads it. */
    public void storeIfNew(Path dataRoot) throws java.io.IOException {
        if (!fromCache && cacheKey != null) {
            new SeccompCache(dataRoot).store(cacheKey, new SeccompCache.Entry(bpf, rules, arches));
        }
    }
}
