package dev.contain.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The security keys of a spec: capabilities, no_new_privs, seccomp, rlimits, and {@code privileged}, which
 * turns the first three (and the masked and read-only /proc paths) off at once. What the defaults are is the
 * engine's policy; this is only what the user asked for.
 */
public record Security(Capabilities capabilities, boolean noNewPrivileges, Seccomp seccomp, List<Rlimit.Value> rlimits,
                       boolean privileged) {
    public static final Security DEFAULT = new Security(Capabilities.NONE, true, new Seccomp.Default(), List.of(), false);

    public Security {
        rlimits = List.copyOf(rlimits);
    }

    /**
     * Changes to the engine's default capability set, as docker's --cap-add and --cap-drop: with {@code dropAll}
     * the set is {@code add} alone; with {@code addAll} it is every capability but {@code drop}.
     */
    public record Capabilities(Set<Capability> add, Set<Capability> drop, boolean addAll, boolean dropAll) {
        public static final Capabilities NONE = new Capabilities(Set.of(), Set.of(), false, false);

        public Capabilities {
            add = Set.copyOf(add);
            drop = Set.copyOf(drop);
        }
    }

    /** Which seccomp filter: the engine's default profile, none, or a docker/OCI JSON profile file. */
    public sealed interface Seccomp {
        record Default() implements Seccomp {}

        record Unconfined() implements Seccomp {}

        /** A profile read and checked when the spec was parsed; {@code sha256} is of the bytes that were parsed. */
        record Profile(Path file, String sha256, SeccompProfile profile) implements Seccomp {}
    }
}
