package dev.contain.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated container.yaml, defaults applied, relative paths resolved against the spec's folder.
 * Immutable; overrides from the command line produce a new instance (see {@link SpecOverrides}).
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
        String cgroupParent) {

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

    public ContainerSpec withName(String newName, String newHostname) {
        return new ContainerSpec(file, newName, image, layers, command, env, workdir, user, newHostname,
                resources, networks, namespaces, uidMappings, gidMappings, mounts, readonlyRootfs, init, cgroupParent);
    }

    public ContainerSpec withCommand(List<String> newCommand, Map<String, String> newEnv) {
        return new ContainerSpec(file, name, image, layers, newCommand, newEnv, workdir, user, hostname,
                resources, networks, namespaces, uidMappings, gidMappings, mounts, readonlyRootfs, init, cgroupParent);
    }

    public ContainerSpec withResources(Resources newResources, String newCgroupParent) {
        return new ContainerSpec(file, name, image, layers, command, env, workdir, user, hostname,
                newResources, networks, namespaces, uidMappings, gidMappings, mounts, readonlyRootfs, init, newCgroupParent);
    }

    public ContainerSpec withNetworks(List<Network> newNetworks) {
        return new ContainerSpec(file, name, image, layers, command, env, workdir, user, hostname,
                resources, newNetworks, namespaces, uidMappings, gidMappings, mounts, readonlyRootfs, init, cgroupParent);
    }

    public ContainerSpec withImage(ImageRef newImage) {
        return new ContainerSpec(file, name, newImage, layers, command, env, workdir, user, hostname,
                resources, networks, namespaces, uidMappings, gidMappings, mounts, readonlyRootfs, init, cgroupParent);
    }
}
