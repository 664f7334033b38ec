package dev.contain.runtime.cli;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.engine.EngineConfig;
import dev.contain.runtime.net.Bridges;
import dev.contain.runtime.net.Leases;
import dev.contain.runtime.net.Netlink;
import dev.contain.spec.Ipv4;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** A group of subcommands: run alone, picocli reports the missing subcommand. */
final class NetworkCommand {
    private NetworkCommand() {}

    static CommandLine commandLine() {
        return CliCommand.Model.group("network", "Bridges the engine made (they stay after their containers, like docker0).", new Ls(), new Rm())
                .examples("Examples:", "contain network ls", "contain network rm contain0")
                .commandLine();
    }

    static final class Ls extends CliCommand {
        @Override
        Model define() {
            return Model.command(this, "ls", "List the engine's bridges, their gateway, and the containers on them.")
                    .examples("Example:", "contain network ls");
        }

        @Override
        public Integer call() throws Exception {
            EngineConfig config = config();
            Map<String, Map<Integer, String>> leases = new Leases(config.runRoot()).all();
            System.out.printf("%-16s %-20s %-8s %s%n", "BRIDGE", "GATEWAY", "PRESENT", "CONTAINERS");
            try (Netlink nl = Netlink.open()) {
                for (Bridges.Entry b : new Bridges(config.dataRoot()).list()) {
                    StringBuilder users = new StringBuilder();
                    leases.getOrDefault(b.name(), Map.of()).forEach((ip, c) -> users.append(c).append(' ').append(new Ipv4(ip)).append("  "));
                    System.out.printf("%-16s %-20s %-8s %s%n", b.name(), b.gateway(), nl.index(b.name()) != 0 ? "yes" : "no", users.toString().trim());
                }
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
            EngineConfig config = config();
            Bridges bridges = new Bridges(config.dataRoot());
            Map<String, Map<Integer, String>> leases = new Leases(config.runRoot()).all();
            List<String> known = bridges.list().stream().map(Bridges.Entry::name).toList();
            List<String> targets = flag("--all") ? known : this.<String>positionals();
            try (Netlink nl = Netlink.open()) {
                for (String name : targets) {
                    if (!known.contains(name)) {
                        throw new ContainerError(null, "network", "no bridge named '" + name + "' was made by contain (see contain network ls)");
                    }
                    if (!leases.getOrDefault(name, Map.of()).isEmpty()) {
                        throw new ContainerError(null, "network", "bridge " + name + " is in use by " + leases.get(name).values());
                    }
                    bridges.remove(nl, name);
                    System.out.println("removed bridge " + name);
                }
            }
            return 0;
        }
    }
}
