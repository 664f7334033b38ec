package dev.contain.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated container.yaml, defaults applied, relative paths resolved against the spec's folder.
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
        Security security) {

    public ContainerSpec {
        layers = List.copyOf(layers);
        command = List.copyOf(command);
        env = Map.copyOf(env);
        networks = List.copyOf(networks);
        namespaces = Set.copyOf(namespaces);
        uidMappings = List.copyOf(uidMappings);
        gidMappings = List.copyOf(gidMappings);
        mounts = List.copyOf(mounts);
    }
}
