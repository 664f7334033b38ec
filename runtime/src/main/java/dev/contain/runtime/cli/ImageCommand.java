package dev.contain.runtime.cli;

import dev.contain.runtime.image.ImageStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(mixinStandardHelpOptions = true, name = "image", description = "Manage the image store.",
        footer = {"", "Examples:", "  contain image import rootfs.tar.xz --name debian", "  contain image ls", "  contain image rm debian"},
        subcommands = {ImageCommand.Import.class, ImageCommand.Ls.class, ImageCommand.Rm.class})
final class ImageCommand {
    @ParentCommand
    Main main;

    ImageStore store() {
        return new ImageStore(main.config().dataRoot());
    }

    @Command(mixinStandardHelpOptions = true, name = "import", description = "Unpack a rootfs archive (.tar, .tar.gz, .tar.xz) into the store.",
            footer = {"", "Example:", "  contain image import debian.tar.xz --name debian"})
    static final class Import implements Callable<Integer> {
        @ParentCommand
        ImageCommand parent;

        @Parameters(paramLabel = "ARCHIVE")
        Path archive;

        @Option(names = "--name", description = "Image name (default: the archive's name without extensions).")
        String name;

        @Override
        public Integer call() throws Exception {
            String n = name != null ? name : dev.contain.spec.ImageRef.baseName(archive.getFileName().toString());
            ImageStore.Image image = parent.store().importArchive(archive, n);
            System.out.println("imported " + image.name() + " from " + archive);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "ls", description = "List stored images.",
            footer = {"", "Example:", "  contain image ls"})
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        ImageCommand parent;

        @Override
        public Integer call() {
            System.out.printf("%-40s %s%n", "NAME", "SOURCE");
            for (ImageStore.Image i : parent.store().list()) {
                System.out.printf("%-40s %s%n", i.name(), i.source());
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "rm", description = "Remove a stored image.", footer = {"", "Example:", "  contain image rm debian"})
    static final class Rm implements Callable<Integer> {
        @ParentCommand
        ImageCommand parent;

        @Parameters(paramLabel = "NAME", arity = "1..*")
        java.util.List<String> names;

        @Override
        public Integer call() throws Exception {
            for (String n : names) {
                parent.store().remove(n);
                System.out.println("removed " + n);
            }
            return 0;
        }
    }
}
