package dev.contain.runtime;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.LinuxKernel;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A cgroupfs in a temp folder that behaves like the kernel where the engine can tell: mkdir creates the
 * interface files (v2's with cgroup.kill, Linux 5.14+), "+ctl" to cgroup.subtree_control adds the
 * controller, "1" to cgroup.kill empties cgroup.procs, rmdir removes a group with its files. It records every mkdir and write, and can be told to fail a write with an errno.
 */
final class FakeCgroupKernel implements Kernel {
    private static final Map<String, String> INTERFACE = Map.ofEntries(Map.entry("cgroup.procs", ""), Map.entry("cgroup.subtree_control", ""),
            Map.entry("memory.max", "max"), Map.entry("memory.swap.max", "max"), Map.entry("memory.low", "0"), Map.entry("cpu.max", "max 100000"), Map.entry("cpu.weight", "100"),
            Map.entry("pids.max", "max"), Map.entry("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"), Map.entry("cgroup.kill", ""),
            Map.entry("io.max", ""), Map.entry("io.weight", "default 100"), Map.entry("hugetlb.2MB.max", "max"));
    private static final Map<String, String> INTERFACE_V1 = Map.ofEntries(Map.entry("cgroup.procs", ""),
            Map.entry("memory.limit_in_bytes", "9223372036854771712"), Map.entry("memory.soft_limit_in_bytes", "9223372036854771712"),
            Map.entry("memory.swappiness", "60"), Map.entry("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"),
            Map.entry("memory.kmem.tcp.limit_in_bytes", "9223372036854771712"),
            Map.entry("cpu.cfs_period_us", "100000"), Map.entry("cpu.cfs_quota_us", "-1"), Map.entry("cpu.shares", "1024"), Map.entry("pids.max", "max"),
            Map.entry("devices.deny", ""), Map.entry("devices.allow", ""), Map.entry("devices.list", "a *:* rwm"));
    /** v1 cpuset folders start with no cpus and no mems. */
    private static final Map<String, String> CPUSET_V1 = Map.of("cpuset.cpus", "", "cpuset.mems", "");
    /** v1 blkio folders as with BFQ's group scheduling (no CFQ: no blkio.weight, no leaf weight); hugetlb's with 2 MB pages. */
    private static final Map<String, Map<String, String>> OTHERS_V1 = Map.of(
            "blkio", Map.of("blkio.throttle.read_bps_device", "", "blkio.throttle.write_bps_device", "", "blkio.throttle.read_iops_device", "",
                    "blkio.throttle.write_iops_device", "", "blkio.bfq.weight", "default 100", "blkio.bfq.weight_device", ""),
            "hugetlb", Map.of("hugetlb.2MB.limit_in_bytes", "9223372036854771712"));

    final List<String> log = new ArrayList<>();
    private final Path root;
    private final boolean v1;
    private final Map<String, String> failures = new java.util.HashMap<>();

    FakeCgroupKernel(Path root, boolean v1) {
        this.root = root;
        this.v1 = v1;
    }

    void failWrite(String fileName, String reason) {
        failures.put(fileName, reason);
    }

    private String rel(Path p) {
        return root.relativize(p).toString();
    }

    @Override
    public void mkdirs(Path dir) throws IOException {
        Path at = dir;
        List<Path> created = new ArrayList<>();
        while (!Files.exists(at)) {
            created.add(0, at);
            at = at.getParent();
        }
        for (Path d : created) {
            Files.createDirectory(d);
            log.add("mkdir " + rel(d));
            for (var f : (v1 ? INTERFACE_V1 : INTERFACE).entrySet()) {
                Files.writeString(d.resolve(f.getKey()), f.getValue());
            }
            if (v1 && rel(d).startsWith("cpuset")) {
                for (var f : CPUSET_V1.entrySet()) {
                    Files.writeString(d.resolve(f.getKey()), f.getValue());
                }
            }
            for (var controller : v1 ? OTHERS_V1.entrySet() : Map.<String, Map<String, String>>of().entrySet()) {
                if (rel(d).startsWith(controller.getKey())) {
                    for (var f : controller.getValue().entrySet()) {
                        Files.writeString(d.resolve(f.getKey()), f.getValue());
                    }
                }
            }
        }
    }

    @Override
    public void mkdirExclusive(Path dir) throws IOException {
        Files.createDirectory(dir);
    }

    @Override
    public void write(Path file, String content) throws IOException {
        if (!file.startsWith(root)) {
            LinuxKernel.INSTANCE.write(file, content);
            return;
        }
        String reason = failures.get(file.getFileName().toString());
        if (reason != null) {
            throw new FileSystemException(file.toString(), null, reason);
        }
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        log.add("write " + rel(file) + " " + content);
        if (file.getFileName().toString().equals("cgroup.kill")) {
            Files.writeString(file.resolveSibling("cgroup.procs"), ""); // every process in it is killed
        } else if (file.getFileName().toString().equals("cgroup.subtree_control")) {
            String now = Files.readString(file).trim();
            Files.writeString(file, (now + " " + content.substring(1)).trim());
        } else {
            Files.writeString(file, content);
        }
    }

    @Override
    public void writeEach(Path file, List<String> values) throws IOException {
        for (String v : values) {
            write(file, v);
        }
    }

    @Override
    public String read(Path file) throws IOException {
        return Files.readString(file);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return LinuxKernel.INSTANCE.list(dir);
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isDirectory(f)) throw new java.nio.file.DirectoryNotEmptyException(dir.toString());
            }
        }
        LinuxKernel.INSTANCE.deleteTree(dir);
        log.add("rmdir " + rel(dir));
    }

    private Path failDelete;

    void failDelete(Path dir) {
        failDelete = dir;
    }

    @Override
    public void deleteTree(Path dir) throws IOException {
        if (dir.equals(failDelete)) {
            throw new IOException(dir + " is a mount point; unmount it first");
        }
        LinuxKernel.INSTANCE.deleteTree(dir);
    }

    @Override
    public void mkdir(Path dir, int mode) throws IOException {
        LinuxKernel.INSTANCE.mkdir(dir, mode);
        log.add("mkdir " + rel(dir) + " " + Integer.toOctalString(mode));
    }

    @Override
    public void chown(Path path, long uid, long gid) {
        log.add("chown " + rel(path) + " " + uid + ":" + gid);
    }

    @Override
    public void chmod(Path path, int mode) throws IOException {
        LinuxKernel.INSTANCE.chmod(path, mode);
        log.add("chmod " + rel(path) + " " + Integer.toOctalString(mode));
    }

    @Override
    public void symlink(Path link, Path target) throws IOException {
        LinuxKernel.INSTANCE.symlink(link, target);
        log.add("symlink " + rel(link) + " -> " + target);
    }

    /** Device programs attached, by cgroup. */
    final Map<Path, byte[]> deviceFilters = new java.util.HashMap<>();

    @Override
    public void attachDeviceFilter(Path cgroup, byte[] program) {
        deviceFilters.put(cgroup, program);
        log.add("attach device filter " + rel(cgroup) + " (" + program.length / 8 + " instructions)");
    }

    @Override
    public void mount(String type, String source, String options, Path target) {
        log.add("mount " + type + " " + options + " " + target);
    }

    @Override
    public OptionalLong startTime(long pid) {
        return OptionalLong.empty();
    }

    @Override
    public void kill(long pid) {
        log.add("kill " + pid);
    }
}
