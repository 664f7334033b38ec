package dev.contain.runtime.cli;

import dev.contain.runtime.engine.Images;
import java.nio.file.Path;
import java.util.List;

/** A group of subcommands: run alone, picocli reports the missing subcommand. */
final class ImageCommand {
    private ImageCommand() {}

    static CliCommand.Model model() {
        return CliCommand.Model.group("image", "Manage the image store.", new Import(), new Ls(), new Rm(), new Prune())
                .examples("Examples:", "contain image import rootfs.tar.xz --name debian", "contain image import app.oci.tar --name app:1.0",
                        "contain image ls", "contain image rm debian", "contain image prune");
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
            engine().images().importArchive(archive, option("--name")).forEach(System.out::println);
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
            for (Images.Row r : engine().images().list()) {
                System.out.printf(format, r.name(), r.tag(), r.id(), r.size() < 0 ? "-" : size(r.size()), r.created());
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
            Images images = engine().images();
            for (String n : this.<String>positionals()) {
                images.remove(n);
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
            List<String> removed = engine().images().prune();
            removed.forEach(d -> System.out.println("removed layer " + d));
            System.out.println(removed.size() + " layers removed");
            return 0;
        }
    }
}
