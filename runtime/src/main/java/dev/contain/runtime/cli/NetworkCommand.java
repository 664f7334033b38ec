package dev.contain.runtime.cli;

import dev.contain.runtime.engine.Networks;

/** A group of subcommands: run alone, picocli reports the missing subcommand. */
final class NetworkCommand {
    private NetworkCommand() {}

    static CliCommand.Model model() {
        return CliCommand.Model.group("network", "Bridges the engine made (they stay after their containers, like docker0).", new Ls(), new Rm())
                .examples("Examples:", "contain network ls", "contain network rm contain0");
    }

    static final class Ls extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "ls", "List the engine's bridges, their gateway, and the containers on them.")
                    .examples("Example:", "contain network ls");
        }

        @Override
        public Integer call() throws Exception {
            System.out.printf("%-16s %-20s %-8s %s%n", "BRIDGE", "GATEWAY", "PRESENT", "CONTAINERS");
            for (Networks.Network n : engine().networks()) {
                StringBuilder users = new StringBuilder();
                n.containers().forEach((c, ip) -> users.append(c).append(' ').append(ip).append("  "));
                System.out.printf("%-16s %-20s %-8s %s%n", n.name(), n.gateway(), n.present() ? "yes" : "no", users.toString().trim());
            }
            return 0;
        }
    }

    static final class Rm extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "rm", "Delete bridges the engine made; refused while a container uses one.")
                    .positionals(String.class, "BRIDGE", "0..*", "Bridge names.")
                    .flag("Every bridge the engine made.", "--all")
                    .examples("Examples:", "contain network rm contain0", "contain network rm --all");
        }

        @Override
        public Integer call() throws Exception {
            for (String name : engine().removeNetworks(flag("--all") ? null : this.<String>positionals())) {
                System.out.println("removed bridge " + name);
            }
            return 0;
        }
    }
}
