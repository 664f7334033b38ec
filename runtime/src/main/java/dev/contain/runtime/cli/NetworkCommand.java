package dev.contain.runtime.cli;

import dev.contain.runtime.engine.ContainerError;
import dev.contain.runtime.net.Bridges;
import dev.contain.runtime.net.Leases;
import dev.contain.runtime.net.Netlink;
import dev.contain.spec.Ipv4;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(mixinStandardHelpOptions = true, name = "network", description = "Bridges the engine made (they stay after their containers, like docker0).",
        footer = {"", "Examples:", "  contain network ls", "  contain network rm contain0"},
        subcommands = {NetworkCommand.Ls.class, NetworkCommand.Rm.class})
final class NetworkCommand {
    @ParentCommand
    Main main;

    @Command(mixinStandardHelpOptions = true, name = "ls", description = "List the engine's bridges, their gateway, and the containers on them.",
            footer = {"", "Example:", "  contain network ls"})
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        NetworkCommand parent;

        @Override
        public Integer call() throws Exception {
            Map<String, Map<Integer, String>> leases = new Leases(parent.main.config().runRoot()).all();
            System.out.printf("%-16s %-20s %-8s %s%n", "BRIDGE", "GATEWAY", "PRESENT", "CONTAINERS");
            try (Netlink nl = Netlink.open()) {
                for (Bridges.Entry b : new Bridges(parent.main.config().dataRoot()).list()) {
                    StringBuilder users = new StringBuilder();
                    leases.getOrDefault(b.name(), Map.of()).forEach((ip, c) -> users.append(c).append(' ').append(new Ipv4(ip)).append("  "));
                    System.out.printf("%-16s %-20s %-8s %s%n", b.name(), b.gateway(), nl.index(b.name()) != 0 ? "yes" : "no", users.toString().trim());
                }
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "rm", description = "Delete bridges the engine made; refused while a container uses one.",
            footer = {"", "Examples:", "  contain network rm contain0", "  contain network rm --all"})
    static final class Rm implements Callable<Integer> {
        @ParentCommand
        NetworkCommand parent;

        @Parameters(paramLabel = "BRIDGE", arity = "0..*")
        List<String> names = List.of();

        @Option(names = "--all", description = "Every bridge the engine made.")
        boolean all;

        @Override
        public Integer call() throws Exception {
            Bridges bridges = new Bridges(parent.main.config().dataRoot());
            Map<String, Map<Integer, String>> leases = new Leases(parent.main.config().runRoot()).all();
            List<String> targets = all ? bridges.list().stream().map(Bridges.Entry::name).toList() : names;
            List<String> known = bridges.list().stream().map(Bridges.Entry::name).toList();
            try (Netlink nl = Netlink.open()) {
                for (String name : targets) {
                    if (!known.contains(name)) {
                        throw new ContainerError(null, "network", "no bridge named '" + name + "' was made by contain (see contain network ls)");
                    }
                    if (!leases.getOrDefault(name, Map.of()).isEmpty()) {
                        throw new ContainerError(null, "network", "bridge " + name + " is in use by " + leases.get(name).values());
                    }
                    nl.delete(name);
                    bridges.forget(name);
                    System.out.println("removed bridge " + name);
                }
            }
            return 0;
        }
    }
}
