package dev.contain.runtime.kernel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * JNA's start-up made cheaper where that changes nothing for the engine, unless the JVM's user has set
 * these already: its dispatch library comes from {@code <data root>/bin} (extracted once, checked at each
 * use) instead of a new temporary file per run (~6 ms: a SecureRandom for the name, the write); and its
 * library search path stays empty, since libraries are loaded by soname, which the dynamic linker resolves
 * (computing the path runs {@code ldconfig -p}: ~5 ms). Call before the first {@code Native.load}.
 */
public final class Jna {
    private static boolean configured;

    private Jna() {}

    public static synchronized void configure(Path dataRoot) {
        if (configured || System.getProperty("jna.boot.library.path") != null) {
            configured = true;
            return; // done already, or configured by whoever embeds the engine
        }
        configured = true;
        try {
            if (System.getProperty("os.arch").equals("amd64")) {
                Path dispatch = EmbeddedBinary.JNA_DISPATCH_X86_64.ensure(dataRoot);
                System.setProperty("jna.boot.library.path", dispatch.getParent().toString());
                System.setProperty("jna.nounpack", "true");
            }
        } catch (IOException e) {
            // JNA unpacks its own copy, as it does by default
        }
        if (System.getProperty("jna.platform.library.path") == null) {
            System.setProperty("jna.platform.library.path", "");
        }
    }

    /** {@code type}'s functions bound to libc, JNA configured first (its first load: ~50 ms). */
    static <T extends com.sun.jna.Library> T libc(Path dataRoot, Class<T> type) throws IOException {
        configure(dataRoot);
        try {
            return com.sun.jna.Native.load("c", type);
        } catch (LinkageError e) {
            throw new IOException("cannot load libc through JNA: " + e.getMessage(), e);
        }
    }

    /**
     * Loads JNA and libc for bpf(2) on a thread of its own: a run on cgroup v2 attaches a device program in
     * its cgroup stage, and JNA's first load (~50 ms) overlaps the stages before it.
     */
    public static void preloadBpf(Path dataRoot) {
        Thread thread = new Thread(() -> {
            try {
                configure(dataRoot);
                Bpf.preload();
            } catch (RuntimeException | LinkageError e) {
                // kept: the cgroup stage meets it again and reports it
            }
        }, "contain-bpf-preload");
        thread.setDaemon(true);
        thread.start();
    }
}
