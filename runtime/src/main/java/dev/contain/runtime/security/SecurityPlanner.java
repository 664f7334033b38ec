package dev.contain.runtime.security;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.LibSeccomp;
import dev.contain.runtime.kernel.LibSeccompFile;
import dev.contain.runtime.kernel.SeccompCompiler;
import dev.contain.spec.Problem;
import dev.contain.spec.SeccompProfile;
import dev.contain.spec.SeccompProfileParser;
import dev.contain.spec.Security;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The engine's security policy for one container, from its spec: docker's defaults (its 14 capabilities,
 * no_new_privs, its seccomp profile, its masked and read-only /proc and /sys paths) with the spec's changes,
 * or none of it for {@code privileged}. The seccomp filter comes from the cache when it is there; otherwise it
 * is compiled here with libseccomp and stored by the run ({@link SeccompFilter#storeIfNew}), not by a dry run.
 */
public final class SecurityPlanner {
    /** docker's masked paths (moby daemon/pkg/oci/defaults.go), plus thermal_throttle of each possible CPU. */
    public static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
            "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware");
    /** docker's read-only paths. */
    public static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");
    static final String DEFAULT_PROFILE = "/dev/contain/runtime/security/seccomp-default.json";

    private final Path dataRoot;
    private final Platform platform;
    private final Supplier<SeccompCompiler> compiler;
    private final Supplier<Optional<String>> libseccomp;

    /**
     * With libseccomp from the system, loaded only on a cache miss. (An anonymous class, not a lambda: linking a
     * lambda costs a cold run ~1 ms, and constructing LibSeccomp would load JNA's classes to verify it.)
     */
    public SecurityPlanner(Path dataRoot, Platform platform) {
        this(dataRoot, platform, new Supplier<SeccompCompiler>() {
            @Override
            public SeccompCompiler get() {
                return new LibSeccomp(dataRoot);
            }
        }, null);
    }

    public SecurityPlanner(Path dataRoot, Platform platform, Supplier<SeccompCompiler> compiler,
                           Supplier<Optional<String>> libseccomp) {
        this.dataRoot = dataRoot;
        this.platform = platform;
        this.compiler = compiler;
        this.libseccomp = libseccomp; // null: the system's (LibSeccompFile)
    }

    public SecurityPlan plan(String container, Security security, long uid) throws ContainerError {
        if (security.privileged()) {
            return new SecurityPlan(true, null, false, null, security.rlimits(), List.of(), List.of());
        }
        CapabilitySets caps;
        try {
            caps = CapabilitySets.of(security.capabilities(), uid == 0, platform.lastCap());
        } catch (CapabilitySets.UnknownToKernel e) {
            throw new ContainerError(container, "security", e.getMessage());
        }
        SeccompFilter seccomp = null;
        if (security.seccomp() instanceof Security.Seccomp.Default) {
            seccomp = filter(container, "default", ProfileDigests.SECCOMP_DEFAULT, null, caps.bounding());
        } else if (security.seccomp() instanceof Security.Seccomp.Profile p) {
            seccomp = filter(container, p.file().toString(), p.sha256(), p.profile(), caps.bounding());
        }
        return new SecurityPlan(false, caps, security.noNewPrivileges(), seccomp, security.rlimits(), masked(), READONLY);
    }

    /** {@code profile} null: the built-in default, read from the jar only when its filter is not cached. */
    private SeccompFilter filter(String container, String source, String sha256, SeccompProfile profile, long bounding)
            throws ContainerError {
        Optional<String> lib = libseccomp == null ? LibSeccompFile.identity() : libseccomp.get();
        String key = lib.map(l -> SeccompCache.key(sha256, platform, bounding, l)).orElse(null);
        SeccompCache cache = new SeccompCache(dataRoot);
        if (key != null) {
            Optional<SeccompCache.Entry> hit = cache.read(key);
            if (hit.isPresent()) {
                int flags = profile == null ? 0 : SeccompPolicy.select(profile, platform, bounding).flags();
                return new SeccompFilter(source, flags, hit.get().bpf(), hit.get().rules(), hit.get().arches(),
                        cache.file(key), key, true);
            }
        }
        SeccompPolicy.Selection selection = SeccompPolicy.select(profile == null ? defaultProfile(sha256) : profile,
                platform, bounding);
        try {
            SeccompCompiler.Compiled compiled = compiler.get().compile(selection.rules());
            int rules = selection.rules().rules().size() - compiled.unknownSyscalls().size();
            return new SeccompFilter(source, selection.flags(), compiled.bpf(), rules, selection.arches(),
                    key == null ? null : cache.file(key), key, false);
        } catch (IOException e) {
            throw new ContainerError(container, "security", "cannot compile the seccomp filter (" + source + "): " + e.getMessage());
        }
    }

    /** The built-in profile, checked against the digest the build compiled in (the cache is keyed by it). */
    static SeccompProfile defaultProfile(String sha256) {
        byte[] bytes;
        try (InputStream in = SecurityPlanner.class.getResourceAsStream(DEFAULT_PROFILE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULT_PROFILE + " is missing from the jar; rebuild with make build");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULT_PROFILE + ": " + e.getMessage(), e);
        }
        try {
            String actual = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
            if (!actual.equals(sha256)) {
                throw new IllegalStateException(DEFAULT_PROFILE + " does not match its digest; rebuild with make build");
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        SeccompProfileParser.Result r = SeccompProfileParser.parse(new String(bytes, StandardCharsets.UTF_8), "seccomp-default.json");
        if (r.profile() == null) {
            throw new IllegalStateException("the built-in seccomp profile is invalid: "
                    + String.join("; ", r.problems().stream().map(Problem::toString).toList()));
        }
        return r.profile();
    }

    /** docker's list, and like docker the thermal_throttle folder of each possible CPU that has one. */
    private static List<String> masked() {
        List<String> masked = new ArrayList<>(MASKED);
        try {
            for (String range : Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim().split(",")) {
                String[] ends = range.split("-");
                int first = Integer.parseInt(ends[0]);
                int last = ends.length > 1 ? Integer.parseInt(ends[1]) : first;
                for (int cpu = first; cpu <= last && cpu < 4096; cpu++) {
                    String path = "/sys/devices/system/cpu/cpu" + cpu + "/thermal_throttle";
                    if (Files.exists(Path.of(path))) {
                        masked.add(path);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such information: the fixed list stands
        }
        return masked;
    }
}
