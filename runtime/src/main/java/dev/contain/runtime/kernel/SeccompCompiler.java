package dev.contain.runtime.kernel;

import java.io.IOException;
import java.util.List;

/** Turns {@link SeccompRules} into a BPF program the kernel loads; {@link LibSeccomp} does it with libseccomp. */
public interface SeccompCompiler {
    /**
     * @param bpf             the program: struct sock_filter[] in native byte order, as seccomp(2) takes it
     * @param unknownSyscalls names this libseccomp does not know (left out, as runc and docker do)
     */
    record Compiled(byte[] bpf, List<String> unknownSyscalls) {}

    Compiled compile(SeccompRules rules) throws IOException;
}
