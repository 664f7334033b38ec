package dev.contain.runtime.ids;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.IdConfig;
import dev.contain.runtime.base.EngineConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides a container's ids and how its layers keep their owners. Reads /etc (the pool); which filesystems
 * can be idmapped it reads from the mount table the cgroup layout was read from; writes nothing.
 */
public final class IdPlanner {
    private final EngineConfig config;
    private final Path etc;
    private final String mountinfo;

    /** {@code mountinfo}: /proc/self/mountinfo as the engine read it for this plan (the cgroup layout's). */
    public IdPlanner(EngineConfig config, Path etc, String mountinfo) {
        this.config = config;
        this.etc = etc;
        this.mountinfo = mountinfo;
    }

    public IdPlanner(EngineConfig config, String mountinfo) {
        this(config, Path.of("/etc"), mountinfo);
    }

    /**
     * @param lowersTopFirst the image's layers and the spec's layers, as the overlay stacks them
     * @param containerDir   the container's folder, where idmapped or copied layers are put
     */
    public IdPlan plan(String name, boolean userns, List<IdMap> specUid, List<IdMap> specGid, List<Path> lowersTopFirst,
                       Path containerDir) throws ContainerError {
        if (!userns) {
            return new IdPlan(IdPlan.Kind.NONE, List.of(), List.of(), false, null, asIs(lowersTopFirst), null);
        }
        if (!specUid.isEmpty()) {
            IdMaps maps = new IdMaps(specUid, specGid);
            boolean host = isHost(specUid) && isHost(specGid);
            List<Lower> lowers = maps.identity() ? asIs(lowersTopFirst) : remapped(lowersTopFirst, containerDir);
            return new IdPlan(host ? IdPlan.Kind.HOST : IdPlan.Kind.EXPLICIT, specUid, specGid, false, null, lowers,
                    shortcut(name, lowers, containerDir));
        }
        if (config.engineUid() != 0) { // a user may map only itself, and cannot idmap or chown
            return new IdPlan(IdPlan.Kind.ENGINE_USER, List.of(new IdMap(0, config.engineUid(), 1)),
                    List.of(new IdMap(0, config.engineGid(), 1)), true, null, asIs(lowersTopFirst), null);
        }
        IdPool pool;
        try {
            pool = IdPool.choose(config.ids().pool(), etc);
        } catch (IOException e) {
            throw new ContainerError(name, "userns", e.getMessage());
        }
        List<IdMap> relative = List.of(new IdMap(0, 0, IdRange.SIZE));
        List<Lower> lowers = remapped(lowersTopFirst, containerDir);
        return new IdPlan(IdPlan.Kind.RANGE, relative, relative, false, pool, lowers, shortcut(name, lowers, containerDir));
    }

    /** users: host's identity map (compared by fields: a record's first equals() costs ~6 ms of linking). */
    private static boolean isHost(List<IdMap> maps) {
        return maps.size() == 1 && maps.get(0).container() == 0 && maps.get(0).host() == 0 && maps.get(0).size() == 65536;
    }

    private List<Lower> asIs(List<Path> lowers) {
        List<Lower> out = new ArrayList<>();
        for (Path p : lowers) {
            out.add(new Lower(p, IdLayers.isStoreLayer(config.dataRoot(), p), p, Lower.Mode.AS_IS, "", null));
        }
        return out;
    }

    private List<Lower> remapped(List<Path> lowers, Path containerDir) {
        List<Lower> out = new ArrayList<>();
        IdmapSupport support = config.ids().layers() == IdConfig.Layers.AUTO ? IdmapSupport.ofThisMachine(mountinfo) : null;
        Path images = config.dataRoot().resolve("images");
        IdmapSupport.Answer storeAnswer = null; // every layer of the store is on one filesystem: asked once
        for (int i = 0; i < lowers.size(); i++) {
            Path source = lowers.get(i);
            boolean store = IdLayers.isStoreLayer(config.dataRoot(), source);
            Lower.Mode mode;
            String why;
            if (config.ids().layers() == IdConfig.Layers.COPY) {
                mode = Lower.Mode.COPY;
                why = "--id-layers copy";
            } else if (config.ids().layers() == IdConfig.Layers.IDMAP) {
                mode = Lower.Mode.IDMAP;
                why = "--id-layers idmap";
            } else {
                IdmapSupport.Answer a;
                if (store) {
                    a = storeAnswer = storeAnswer != null ? storeAnswer : support.check(source.getParent());
                } else {
                    a = support.check(source);
                }
                mode = a.idmap() ? Lower.Mode.IDMAP : Lower.Mode.COPY;
                why = a.why();
            }
            // a stored rootfs image never changes: its copy is kept for the next run with the same range
            boolean stored = !store && source.getParent() != null && images.equals(source.getParent().getParent())
                    && source.getFileName().toString().equals("rootfs");
            String image = mode == Lower.Mode.COPY && stored ? source.getParent().getFileName().toString() : null;
            out.add(new Lower(source, store, store ? null : containerDir.resolve("lower" + i), mode, why, image));
        }
        return out;
    }

    /**
     * {@code <data root>/m/TOKEN} when naming the layers through {@code containers/NAME} would not fit the
     * page of mount options (room is left for the upper and work folders); TOKEN is the name, or for a long
     * one its start and a hash: unique in practice, and checked when the link is made.
     */
    private Path shortcut(String name, List<Lower> lowers, Path containerDir) {
        int through = ("containers/" + name).length();
        long length = 0;
        for (Lower l : lowers) {
            length += 1 + (l.store() ? through + 16 : l.mode() == Lower.Mode.AS_IS ? l.source().toString().length() : through + 8);
        }
        if (length <= IdLayers.ROOM_FOR_LAYERS) {
            return null;
        }
        String token = name.length() <= 12 ? name : name.substring(0, 4) + Integer.toHexString(name.hashCode());
        return config.dataRoot().resolve(IdLayers.SHORTCUTS).resolve(token);
    }
}
