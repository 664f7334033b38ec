package dev.contain.runtime.stage;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.runtime.net.Bridges;
import dev.contain.runtime.net.Leases;
import dev.contain.runtime.kernel.Netlink;
import dev.contain.runtime.kernel.NetlinkException;
import dev.contain.runtime.plan.Plan;
import dev.contain.runtime.net.BridgeAttachment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Bridge networks: for each (eth0, eth1, ...) an address is leased, the bridge made on first use (its
 * isolation rules are applied before it, by every run: see Isolation), and a veth pair created with its host
 * end on the bridge and its other end inside the container; then, from a thread inside the container's
 * network namespace, addresses, links and the default route are set, all before "go", so the command starts
 * with its network ready.
 */
public final class NetworkStage implements Stage {
    @Override
    public String name() {
        return "network";
    }

    @Override
    public void apply(Run run) throws ContainerError, IOException {
        Plan plan = run.plan();
        List<BridgeAttachment> bridges = plan.bridges();
        if (bridges.isEmpty()) {
            return;
        }
        String name = plan.name();
        Leases leases = new Leases(run.config().runRoot());
        List<BridgeAttachment> leased = new ArrayList<>(); // each with its address
        try (Netlink nl = run.kernel().openNetlink()) {
            for (int i = 0; i < bridges.size(); i++) {
                BridgeAttachment net = bridges.get(i);
                run.journal().record(new Undo.Lease(run.config().runRoot(), name, net.bridge()));
                leased.add(leases.acquire(name, net));
                TestHooks.point("network:leased");
                int bridge = new Bridges(run.kernel(), run.config().dataRoot()).ensure(nl, net,
                        () -> run.journal().record(new Undo.NewBridge(run.config().dataRoot(), net.bridge())));
                TestHooks.point("network:bridge");
                String hostEnd = net.hostVeth();
                if (nl.index(hostEnd) != 0) {
                    throw run.error(name(), "a link named " + hostEnd + " exists already; is another engine using this name?");
                }
                run.journal().record(new Undo.Link(hostEnd));
                nl.createVeth(hostEnd, bridge, "eth" + i, run.containerPid());
                TestHooks.point("network:veth");
            }
            run.kernel().insideNetns(run.containerPid(), inside -> {
                for (int i = 0; i < bridges.size(); i++) {
                    inside.addAddress("eth" + i, leased.get(i).address().toString());
                    inside.up("eth" + i);
                }
                inside.addDefaultRoute("eth0", bridges.get(0).gateway().toString());
            });
            TestHooks.point("network:configured");
        } catch (NetlinkException e) {
            throw run.error(name(), e.getMessage());
        }
        for (int i = 0; i < bridges.size(); i++) {
            run.progress().info("container network eth" + i + ": " + leased.get(i).address() + " on bridge " + bridges.get(i).bridge());
        }
    }
}
