package dev.contain.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated container.yaml, defaults applied, relative paths resolved against the spec's folder.
 * {@code given}: the top-level keys the spec set (an image's config fills in the others).
 * Immutable; command-line overrides are applied to the YAML tree before it is read (see {@link SpecOverrides}).
 */
public record ContainerSpec(
        Path file,
        String name,
        ImageRef image,
        List<Path> layers,
        List<String> command,
        Map<String, String> env,
        String workdir,
        UserRef user,
        String hostname,
        Resources resources,
        List<Network> networks,
        Set<Namespace> namespaces,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings,
        List<Mount> mounts,
        boolean readonlyRootfs,
        boolean init,
        String cgroupParent,
        Security security,
        Set<String> given) {

    public ContainerSpec {
        layers = List.copyOf(layers);
        command = List.copyOf(command);
        env = Map.copyOf(env);
        networks = List.copyOf(networks);
        namespaces = Set.copyOf(namespaces);
        uidMappings = List.copyOf(uidMappings);
        gidMappings = List.copyOf(gidMappings);
        mounts = List.copyOf(mounts);
        given = Set.copyOf(given);
    }

    /**
     * Whether the spec gave {@code command} itself: without it, {@link #command} holds only {@code args} (maybe
     * none), and the image's entrypoint and cmd come first (see the planner).
     */
    public boolean hasCommand() {
        return given.contains("command");
    }

    /** Whether the spec (or a command-line override) set this top-level key, so the image's default yields. */
    public boolean gives(String key) {
        return given.contains(key);
    }
}
