package dev.contain.runtime.cli;

import dev.contain.runtime.image.ImageStore;
import dev.contain.spec.ImageRef;
import java.nio.file.Path;
import picocli.CommandLine;

/** A group of subcommands: run alone, picocli reports the missing subcommand. */
final class ImageCommand {
    private ImageCommand() {}

    static CommandLine commandLine() {
        return CliCommand.Model.group("image", "Manage the image store.", new Import(), new Ls(), new Rm())
                .examples("Examples:", "contain image import rootfs.tar.xz --name debian", "contain image ls", "contain image rm debian")
                .commandLine();
    }

    static final class Import extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "import", "Unpack a rootfs archive (.tar, .tar.gz, .tar.xz) into the store.")
                    .positionals(Path.class, "ARCHIVE", "1", "The archive.")
                    .option("NAME", "Image name (default: the archive's name without extensions).", "--name")
                    .examples("Example:", "contain image import debian.tar.xz --name debian");
        }

        @Override
        public Integer call() throws Exception {
            Path archive = this.<Path>positionals().get(0);
            String name = option("--name", ImageRef.baseName(archive.getFileName().toString()));
            ImageStore.Image image = new ImageStore(config().dataRoot()).importArchive(archive, name);
            System.out.println("imported " + image.name() + " from " + archive);
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
            System.out.printf("%-40s %s%n", "NAME", "SOURCE");
            for (ImageStore.Image i : new ImageStore(config().dataRoot()).list()) {
                System.out.printf("%-40s %s%n", i.name(), i.source());
            }
            return 0;
        }
    }

    static final class Rm extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "rm", "Remove a stored image.")
                    .positionals(String.class, "NAME", "1..*", "Image names.")
                    .examples("Example:", "contain image rm debian");
        }

        @Override
        public Integer call() throws Exception {
            ImageStore store = new ImageStore(config().dataRoot());
            for (String n : this.<String>positionals()) {
                store.remove(n);
                System.out.println("removed " + n);
            }
            return 0;
        }
    }
}
