package dev.contain.runtime.oci;

import dev.contain.runtime.cgroup.BlockIo;
import dev.contain.runtime.cgroup.CgroupFeature;
import dev.contain.runtime.cgroup.CgroupPlanner;
import dev.contain.runtime.cgroup.DeviceRule;
import dev.contain.runtime.cgroup.HugepageLimit;
import dev.contain.runtime.cgroup.Limits;
import dev.contain.runtime.cgroup.MemoryTuning;
import dev.contain.runtime.base.ContainerError;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code linux.resources} to the engine's {@link Limits} and device rules. What the engine's cgroup planner
 * cannot set (rdma, unified files, kernel memory, realtime cpu...) is refused by name, and so is what this machine
 * lacks (a blkio weight file, hugetlb, net_cls, v1-only memory settings on v2), with the reason the planner gives.
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

    /**
     * {@code update}: the limits of a running container, where -1 removes a memory, swap, pids or cpu quota limit
     * ({@link Limits#UNLIMITED}); at creation -1 asks for none (swap: unlimited, as the spec says).
     */
    static Result read(Node r, CgroupPlanner cgroups, boolean update) throws ContainerError {
        if (r == null) {
            return new Result(Limits.NONE, DeviceRule.DEFAULT);
        }
        Long memory = null;
        Long swap = null;
        MemoryTuning tuning = MemoryTuning.NONE;
        Node mem = r.object("memory");
        if (mem != null) {
            Long limit = mem.number("limit");
            if (limit != null && limit <= 0 && limit != -1) {
                throw mem.error("limit", "must be positive, or -1 for no limit");
            }
            memory = limit == null || limit > 0 ? limit : update ? Long.valueOf(Limits.UNLIMITED) : null;
            Long total = mem.number("swap"); // memory + swap, as the v1 memsw file; -1 unlimited
            if (total != null && total == -1) {
                swap = Limits.UNLIMITED;
            } else if (total != null) {
                if (memory == null || memory == Limits.UNLIMITED || total < memory) {
                    throw mem.error("swap", "memory+swap " + total + " needs a memory limit at most that");
                }
                swap = total - memory;
            }
            tuning = memoryTuning(mem, cgroups);
            mem.refuse("kernel", "kernel memory limits are deprecated (runtime-spec) and Linux ignores them since 5.16 "
                    + "(memory.kmem.limit_in_bytes takes writes without effect)");
            for (String k : List.of("useHierarchy", "checkBeforeUpdate")) {
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
            } else if (quota != null && quota < 0 && update) {
                cpuPercent = Limits.UNLIMITED_CPU;
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
            // at creation 0 and -1: unlimited; an update: -1 removes the limit, 0 leaves it (runc's reading)
            pids = limit != null && limit > 0 ? limit : limit != null && limit < 0 && update ? Limits.UNLIMITED : null;
            p.done();
        }
        List<DeviceRule> devices = devices(r.objects("devices"));
        BlockIo blockIo = OciBlockIo.read(r.object("blockIO"), cgroups);
        List<HugepageLimit> hugepages = hugepages(r, cgroups);
        Node network = r.object("network");
        if (network != null) {
            network.refuse("classID", why(cgroups.missing(CgroupFeature.NET_CLS)));
            network.refuse("priorities", why(cgroups.missing(CgroupFeature.NET_PRIO)));
            network.done();
        }
        for (String k : List.of("rdma", "unified")) {
            r.refuse(k, "not supported");
        }
        r.done();
        return new Result(new Limits(memory, swap, cpuPercent, cpuWeight, pids, cpus, mems, cpuShares, cpuPeriod, blockIo, hugepages, tuning), devices);
    }

    /** reservation (bytes; -1: none), swappiness (0-100), disableOOMKiller and kernelTCP (bytes; -1: none), where the machine has them. */
    private static MemoryTuning memoryTuning(Node mem, CgroupPlanner cgroups) throws ContainerError {
        Long reservation = bytes(mem, "reservation");
        Long swappiness = mem.unsigned("swappiness");
        if (swappiness != null && swappiness > 100) {
            throw mem.error("swappiness", Long.toUnsignedString(swappiness) + " is outside 0..100");
        }
        Boolean oom = mem.has("disableOOMKiller") ? mem.bool("disableOOMKiller", false) : null; // absent: as it is
        Long tcp = bytes(mem, "kernelTCP");
        MemoryTuning t = new MemoryTuning(reservation, swappiness == null ? null : swappiness.intValue(), oom, tcp);
        for (var f : List.of(java.util.Map.entry(CgroupFeature.MEMORY_SWAPPINESS, "swappiness"),
                java.util.Map.entry(CgroupFeature.MEMORY_OOM_KILL_DISABLE, "disableOOMKiller"), java.util.Map.entry(CgroupFeature.MEMORY_KERNEL_TCP, "kernelTCP"))) {
            if (t.asks(f.getKey()) && cgroups.missing(f.getKey()) != null) {
                throw mem.error(f.getValue(), cgroups.missing(f.getKey()));
            }
        }
        return t;
    }

    /** A size in bytes: positive, or -1 for none (null). */
    private static Long bytes(Node n, String key) throws ContainerError {
        Long v = n.number(key);
        if (v != null && v <= 0 && v != -1) {
            throw n.error(key, "must be positive, or -1 for none");
        }
        return v == null || v == -1 ? null : v;
    }

    /** net_cls and net_prio are never set: why (what the machine lacks, else that contain does not). */
    private static String why(String missing) {
        return missing == null ? "not supported" : missing;
    }

    /** hugepageLimits: a page size this machine has ("2MB") and a limit in bytes each, where the hugetlb controller is usable. */
    private static List<HugepageLimit> hugepages(Node r, CgroupPlanner cgroups) throws ContainerError {
        List<Node> limits = r.objects("hugepageLimits");
        if (limits.isEmpty()) {
            return List.of();
        }
        String missing = cgroups.missing(CgroupFeature.HUGETLB);
        if (missing != null) {
            throw r.error("hugepageLimits", missing);
        }
        List<String> sizes = cgroups.hugepageSizes();
        List<HugepageLimit> out = new ArrayList<>();
        for (Node h : limits) {
            String size = h.string("pageSize", "");
            Long limit = h.unsigned("limit");
            h.done();
            if (!sizes.contains(size)) {
                throw h.error("pageSize", "\"" + size + "\" is not a huge page size of this machine (" + String.join(", ", sizes) + ")");
            }
            if (limit == null) {
                throw h.error("limit", "required");
            }
            out.add(new HugepageLimit(size, limit));
        }
        return out;
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

    /**
     * The device cgroup: a "deny all" rule first, then allows (runc's own default list starts so), applied in their
     * order. The devices every container's /dev has are allowed after them, as runc appends them. Other orders are refused.
     */
    private static List<DeviceRule> devices(List<Node> rules) throws ContainerError {
        List<DeviceRule> allowed = new ArrayList<>();
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
        allowed.addAll(DeviceRule.DEFAULT);
        return List.copyOf(allowed);
    }
}
