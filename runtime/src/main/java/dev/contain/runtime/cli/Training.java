package dev.contain.runtime.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The start-up archives' training (launcher.sh): several CLI commands in one JVM, separated by {@code --then},
 * so the archive holds the classes of each (run, and a detached container's ps, inspect, exec, logs, stop, rm),
 * not only those of the first. A class missing from the archive makes its command open the jar (~15 ms) and
 * load it from there. Exit codes are not the point here; the last one is returned.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) {
        int exit = 0;
        for (String[] command : split(args)) {
            exit = Main.execute(command);
        }
        // as Main does: System.exit would set up logging first (see Main.main), and the archive would hold its classes,
        // which every later start then loads; the JVM writes the archive at a halt too
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(exit);
    }

    static List<String[]> split(String[] args) {
        List<String[]> commands = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals("--then")) {
                commands.add(Arrays.copyOfRange(args, start, i));
                start = i + 1;
            }
        }
        return commands;
    }
}
