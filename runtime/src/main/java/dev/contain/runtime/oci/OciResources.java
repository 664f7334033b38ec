package dev.contain.runtime.oci;

import dev.contain.runtime.cgroup.DeviceRule;
import dev.contain.runtime.cgroup.Limits;
import dev.contain.runtime.base.ContainerError;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code linux.resources} to the engine's {@link Limits} and device rules. What the engine's cgroup planner
 * cannot set (hugepages, block I/O, network classes, rdma, unified files, memory reservation,
 * swappiness, kernel memory) is refused by name.
 */
final class OciResources {
    private static final long DEFAULT_PERIOD_US = 100_000;

    record Result(Limits limits, List<DeviceRule> devices) {
        /** With more devices allowed (linux.devices' nodes), after the configured rules. */
        Result allowing(List<DeviceRule> more) {
            List<DeviceRule> all = new ArrayList<>(devices);
            all.addAll(more);
            return new Result(limits, List.copyOf(all));
        }
    }

    private OciResources() {}

    static Result read(Node r) throws ContainerError {
        if (r == null) {
            return new Result(Limits.NONE, DeviceRule.DEFAULT);
        }
        Long memory = null;
        Long swap = null;
        Node mem = r.object("memory");
        if (mem != null) {
            memory = positive(mem, "limit");
            Long total = mem.number("swap"); // memory + swap, as the v1 memsw file; -1 unlimited
            if (total != null && total != -1) {
                if (memory == null || total < memory) {
                    throw mem.error("swap", "memory+swap " + total + " needs a memory limit at most that");
                }
                swap = total - memory;
            }
            for (String k : List.of("reservation", "kernel", "kernelTCP", "swappiness", "disableOOMKiller", "useHierarchy", "checkBeforeUpdate")) {
                mem.refuse(k, "not supported");
            }
            mem.done();
        }
        Double cpuPercent = null;
        Integer cpuWeight = null;
        Long cpuShares = null;
        Long cpuPeriod = null;
        String cpus = null;
        String mems = null;
        Node cpu = r.object("cpu");
        if (cpu != null) {
            Long shares = cpu.unsigned("shares");
            if (shares != null && shares != 0) {
                long s = Math.max(2, Math.min(262144, shares));
                cpuWeight = (int) (1 + ((s - 2) * 9999) / 262142); // runc's conversion to a v2 weight
                cpuShares = s; // v1 takes it as given
            }
            Long quota = cpu.number("quota");
            Long period = cpu.unsigned("period");
            if (quota != null && quota > 0) {
                long p = period == null || period == 0 ? DEFAULT_PERIOD_US : period;
                cpuPercent = quota * 100.0 / p;
            }
            if (period != null && period != 0) {
                if (period < 1000 || period > 1_000_000) { // the kernel's bounds for cfs_period_us
                    throw cpu.error("period", period + " us is outside the kernel's 1000..1000000");
                }
                cpuPeriod = period;
            }
            cpus = cpuList(cpu, "cpus");
            mems = cpuList(cpu, "mems");
            for (String k : List.of("realtimeRuntime", "realtimePeriod", "idle", "burst")) {
                cpu.refuse(k, "not supported");
            }
            cpu.done();
        }
        Long pids = null;
        Node p = r.object("pids");
        if (p != null) {
            Long limit = p.number("limit");
            pids = limit == null || limit <= 0 ? null : limit; // 0 and -1: unlimited
            p.done();
        }
        List<DeviceRule> devices = devices(r.objects("devices"));
        for (String k : List.of("hugepageLimits", "blockIO", "network", "rdma", "unified")) {
            r.refuse(k, "not supported");
        }
        r.done();
        return new Result(new Limits(memory, swap, cpuPercent, cpuWeight, pids, cpus, mems, cpuShares, cpuPeriod), devices);
    }

    /** A cpuset list ("0-1,3"); empty or absent: none asked for. */
    private static String cpuList(Node n, String key) throws ContainerError {
        String v = n.string(key, "").trim();
        if (v.isEmpty()) {
            return null;
        }
        if (!Limits.cpuList(v)) {
            throw n.error(key, "\"" + v + "\" is not a list of numbers and ranges such as 0-1,3");
        }
        return v;
    }

    private static Long positive(Node n, String key) throws ContainerError {
        Long v = n.number(key);
        if (v == null || v == -1) {
            return null;
        }
        if (v <= 0) {
            throw n.error(key, "must be positive, or -1 for no limit");
        }
        return v;
    }

    /**
     * The device cgroup: a "deny all" rule first, then allows (runc's own default list starts so). The devices
     * every container's /dev has are allowed too, as runc adds them. Other orders are refused.
     */
    private static List<DeviceRule> devices(List<Node> rules) throws ContainerError {
        List<DeviceRule> allowed = new ArrayList<>(DeviceRule.DEFAULT);
        for (int i = 0; i < rules.size(); i++) {
            Node d = rules.get(i);
            boolean allow = d.bool("allow", false);
            String type = d.string("type", "a");
            Long major = d.number("major");
            Long minor = d.number("minor");
            String access = d.string("access", "rwm");
            d.done();
            if (!type.matches("[acb]") || !access.matches("[rwm]{1,3}")) {
                throw d.error(null, "type \"" + type + "\" or access \"" + access + "\" is not a device rule");
            }
            boolean all = type.equals("a") && major == null && minor == null;
            if (!allow) {
                if (i != 0 || !all || !access.equals("rwm")) {
                    throw d.error(null, "only a first rule denying every device (allow: false, access rwm) is supported");
                }
                continue;
            }
            if (i == 0 || all) {
                throw d.error(null, "allowing every device is not supported (the list must start with a rule denying all)");
            }
            if (type.equals("a")) {
                allowed.add(new DeviceRule('c', major == null ? -1 : major, minor == null ? -1 : minor, access));
                allowed.add(new DeviceRule('b', major == null ? -1 : major, minor == null ? -1 : minor, access));
            } else {
                allowed.add(new DeviceRule(type.charAt(0), major == null ? -1 : major, minor == null ? -1 : minor, access));
            }
        }
        return List.copyOf(allowed);
    }
}
