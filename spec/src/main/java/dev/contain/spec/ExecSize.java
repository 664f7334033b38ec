package dev.contain.spec;

import org.snakeyaml.engine.v2.nodes.Node;

/**
 * What execve will be given, counted as the spec is read: each argument and each NAME=value within
 * MAX_ARG_STRLEN, all of them together within ARG_MAX. Checked here, so that a spec that passes
 * validation never makes a run build (and send to its init) what the kernel refuses; aliases make a
 * small file able to ask for gigabytes.
 */
final class ExecSize {
    private final Yaml yaml;
    private long total;
    private boolean reported;

    ExecSize(Yaml yaml) {
        this.yaml = yaml;
    }

    /** Counts one string of {@code bytes} UTF-8 bytes (its NUL not included); false, reported, when the kernel would refuse it. */
    boolean add(Node node, String what, long bytes) {
        if (bytes + 1 > Limits.ARG_BYTES) {
            yaml.error(node, what + " is " + bytes + " bytes long; the kernel takes at most " + (Limits.ARG_BYTES - 1)
                    + " bytes in one argument or variable (MAX_ARG_STRLEN)");
            return false;
        }
        total += bytes + 1 + 8; // the string, its NUL and its pointer, as execve counts them
        if (total > Limits.ARG_MAX && !reported) {
            reported = true;
            yaml.error(node, "command, args and env come to more than " + (Limits.ARG_MAX >> 20) + " MiB, the most the kernel "
                    + "passes to a program (ARG_MAX with the default 8 MiB stack; an alias counts as often as it is used)");
            return false;
        }
        return !reported;
    }
}
