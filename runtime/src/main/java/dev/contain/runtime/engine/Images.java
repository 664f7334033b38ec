package dev.contain.runtime.engine;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.image.ArchiveImport;
import dev.contain.runtime.image.ImageRecord;
import dev.contain.runtime.image.ImageStore;
import dev.contain.runtime.image.OciStore;
import dev.contain.runtime.image.Pull;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.state.EngineDirs;
import dev.contain.spec.ImageRef;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The engine's images, as the CLI sees them: import (rootfs archives into the rootfs store, OCI and docker
 * archives into the layer store), pull, list, remove, prune. Both stores live in the data root.
 */
public final class Images {
    /** One image as `image ls` shows it; tag, id and size are "-" for a rootfs image. */
    public record Row(String name, String tag, String id, long size, String created) {}

    private final EngineConfig config;
    private final Kernel kernel;

    Images(EngineConfig config, Kernel kernel) {
        this.config = config;
        this.kernel = kernel;
    }

    /**
     * Imports an archive or OCI layout folder; {@code name} may be null (the names the archive gives, else the
     * file's name without extensions). Returns one line per image imported.
     */
    public List<String> importArchive(Path archive, String name) throws ContainerError {
        String defaultName = ImageRef.baseName(archive.toAbsolutePath().normalize().getFileName().toString());
        if (!Files.exists(archive)) {
            throw new ContainerError(null, "image", "archive " + archive + " does not exist");
        }
        ArchiveImport.Format format;
        try {
            EngineDirs.secureStore(kernel, config.dataRoot());
            format = ArchiveImport.detect(archive);
        } catch (IOException e) {
            throw new ContainerError(null, "image", "cannot read " + archive + ": " + e.getMessage());
        }
        if (format == ArchiveImport.Format.ROOTFS) {
            ImageStore.Image image = new ImageStore(kernel, config.dataRoot()).importArchive(archive, name != null ? name : defaultName);
            return List.of("imported " + image.name() + " from " + archive);
        }
        try {
            List<String> lines = new ArrayList<>();
            for (ImageRecord r : new ArchiveImport(new OciStore(kernel, config.dataRoot())).importImages(archive, format, name,
                    defaultName.toLowerCase(Locale.ROOT), null)) {
                lines.add("imported " + r.reference() + " (" + r.id().substring(7, 19) + ", " + r.layers().size() + " layers) from " + archive);
            }
            return lines;
        } catch (IOException e) {
            throw new ContainerError(null, "image", "cannot import " + archive + ": " + e.getMessage());
        }
    }

    /** Pulls REF from its registry into the layer store, reporting progress on {@code out}. */
    public void pull(String ref, String credentials, boolean tlsVerify, PrintStream out, boolean terminal) throws ContainerError {
        try {
            EngineDirs.secureStore(kernel, config.dataRoot());
            new Pull(kernel, config.dataRoot(), new Pull.Options(credentials, tlsVerify, out, terminal)).pull(ref);
        } catch (IOException e) {
            throw new ContainerError(null, "pull", ref + ": " + e.getMessage());
        }
    }

    /** Rootfs images first, then the layer store's. */
    public List<Row> list() {
        List<Row> rows = new ArrayList<>();
        for (ImageStore.Image i : new ImageStore(kernel, config.dataRoot()).list()) {
            rows.add(new Row(i.name(), "-", "-", -1, "rootfs from " + i.source()));
        }
        for (ImageRecord r : new OciStore(kernel, config.dataRoot()).list()) {
            rows.add(new Row(r.name(), r.tag(), r.id().substring(7, 19), r.size(), r.created()));
        }
        return rows;
    }

    /** Removes an image by NAME[:TAG] or NAME@sha256:...; refused while a running container uses it. */
    public void remove(String name) throws ContainerError {
        boolean rootfs = ImageRef.isStoreName(name) && Files.isDirectory(config.dataRoot().resolve("images").resolve(name).resolve("rootfs"));
        OciStore oci = new OciStore(kernel, config.dataRoot());
        Optional<ImageRecord> record = rootfs ? Optional.empty() : oci.find(name);
        if (record.isEmpty()) {
            new ImageStore(kernel, config.dataRoot()).remove(name);
            return;
        }
        try {
            oci.remove(record.get(), config.runRoot());
        } catch (IOException e) {
            throw new ContainerError(null, "image", "cannot remove " + name + ": " + e.getMessage());
        }
    }

    /** Removes the layers no image uses (and what killed imports or pulls left); their digests. */
    public List<String> prune() throws ContainerError {
        try {
            return new OciStore(kernel, config.dataRoot()).prune();
        } catch (IOException e) {
            throw new ContainerError(null, "image", "cannot prune: " + e.getMessage());
        }
    }
}
