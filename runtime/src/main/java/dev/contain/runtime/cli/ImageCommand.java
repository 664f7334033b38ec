package dev.contain.runtime.cli;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.image.ArchiveImport;
import dev.contain.runtime.image.ImageRecord;
import dev.contain.runtime.image.ImageStore;
import dev.contain.runtime.image.OciStore;
import dev.contain.spec.ImageRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/** A group of subcommands: run alone, picocli reports the missing subcommand. */
final class ImageCommand {
    private ImageCommand() {}

    static CommandLine commandLine() {
        return CliCommand.Model.group("image", "Manage the image store.", new Import(), new Ls(), new Rm(), new Prune())
                .examples("Examples:", "contain image import rootfs.tar.xz --name debian", "contain image import app.oci.tar --name app:1.0",
                        "contain image ls", "contain image rm debian", "contain image prune")
                .commandLine();
    }

    static final class Import extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "import", "Import an image: an OCI image layout (folder or tar, as oci-archive), a docker-archive "
                            + "(docker save, podman save), or a rootfs archive (.tar, .tar.gz, .tar.xz). The format is read from the content.")
                    .positionals(Path.class, "FILE|DIR", "1", "The archive or OCI layout folder.")
                    .option("NAME[:TAG]", "Image name (default: the names the archive gives, else the file's name without extensions).", "--name")
                    .examples("Example:", "contain image import debian.tar.xz --name debian", "contain image import busybox.oci.tar --name busybox:1.36");
        }

        @Override
        public Integer call() throws Exception {
            Path archive = this.<Path>positionals().get(0);
            String defaultName = ImageRef.baseName(archive.toAbsolutePath().normalize().getFileName().toString());
            if (!Files.exists(archive)) {
                throw new ContainerError(null, "image", "archive " + archive + " does not exist");
            }
            ArchiveImport.Format format;
            try {
                dev.contain.runtime.engine.EngineDirs.secureStore(dev.contain.runtime.kernel.LinuxKernel.INSTANCE, config().dataRoot());
                format = ArchiveImport.detect(archive);
            } catch (IOException e) {
                throw new ContainerError(null, "image", "cannot read " + archive + ": " + e.getMessage());
            }
            if (format == ArchiveImport.Format.ROOTFS) {
                ImageStore.Image image = new ImageStore(config().dataRoot()).importArchive(archive, option("--name", defaultName));
                System.out.println("imported " + image.name() + " from " + archive);
                return 0;
            }
            OciStore store = new OciStore(config().dataRoot());
            try {
                List<ImageRecord> images = new ArchiveImport(store).importImages(archive, format, option("--name"),
                        defaultName.toLowerCase(java.util.Locale.ROOT), null);
                for (ImageRecord r : images) {
                    System.out.println("imported " + r.reference() + " (" + r.id().substring(7, 19) + ", " + r.layers().size()
                            + " layers) from " + archive);
                }
            } catch (IOException e) {
                throw new ContainerError(null, "image", "cannot import " + archive + ": " + e.getMessage());
            }
            return 0;
        }
    }

    static final class Ls extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "ls", "List stored images.").examples("Example:", "contain image ls");
        }

        @Override
        public Integer call() {
            String format = "%-40s %-12s %-12s %9s  %s%n";
            System.out.printf(format, "NAME", "TAG", "ID", "SIZE", "CREATED");
            for (ImageStore.Image i : new ImageStore(config().dataRoot()).list()) {
                System.out.printf(format, i.name(), "-", "-", "-", "rootfs from " + i.source());
            }
            for (ImageRecord r : new OciStore(config().dataRoot()).list()) {
                System.out.printf(format, r.name(), r.tag(), r.id().substring(7, 19), size(r.size()), r.created());
            }
            return 0;
        }

        static String size(long bytes) {
            if (bytes < 1000 * 1000) {
                return String.format(java.util.Locale.ROOT, "%.1f kB", bytes / 1000.0);
            }
            return bytes < 1000L * 1000 * 1000 ? String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6)
                    : String.format(java.util.Locale.ROOT, "%.2f GB", bytes / 1e9);
        }
    }

    static final class Rm extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "rm", "Remove a stored image (its layers go with 'contain image prune'). Refused while a running container uses it.")
                    .positionals(String.class, "NAME", "1..*", "Image names, NAME[:TAG] or NAME@sha256:...")
                    .examples("Example:", "contain image rm debian");
        }

        @Override
        public Integer call() throws Exception {
            ImageStore store = new ImageStore(config().dataRoot());
            OciStore oci = new OciStore(config().dataRoot());
            for (String n : this.<String>positionals()) {
                boolean rootfs = ImageRef.isStoreName(n) && Files.isDirectory(config().dataRoot().resolve("images").resolve(n).resolve("rootfs"));
                Optional<ImageRecord> record = rootfs ? Optional.empty() : oci.find(n);
                if (record.isPresent()) {
                    try {
                        oci.remove(record.get(), config().runRoot());
                    } catch (IOException e) {
                        throw new ContainerError(null, "image", "cannot remove " + n + ": " + e.getMessage());
                    }
                } else {
                    store.remove(n);
                }
                System.out.println("removed " + n);
            }
            return 0;
        }
    }

    static final class Prune extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "prune", "Remove the layers no image uses, and what killed imports or pulls left.")
                    .examples("Example:", "contain image prune");
        }

        @Override
        public Integer call() throws Exception {
            try {
                List<String> removed = new OciStore(config().dataRoot()).prune();
                removed.forEach(d -> System.out.println("removed layer " + d));
                System.out.println(removed.size() + " layers removed");
            } catch (IOException e) {
                throw new ContainerError(null, "image", "cannot prune: " + e.getMessage());
            }
            return 0;
        }
    }
}
