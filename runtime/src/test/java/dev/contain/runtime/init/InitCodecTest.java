package dev.contain.runtime.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.plan.ExecPlan;
import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.Terminal;
import dev.contain.runtime.plan.NamespaceJoin;
import dev.contain.runtime.plan.Security;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The init channel's bytes, pinned per message kind (plan.c reads exactly these), and its replies. */
class InitCodecTest {
    private static final byte[] BPF = {0x06, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f}; // ret ALLOW

    /** Every kind of message, with its entry on the wire ('|' for NUL). */
    private static Map<InitMessage, String> kinds() {
        Map<InitMessage, String> k = new LinkedHashMap<>();
        k.put(new InitMessage.Clone(0x7e020000L), "clone|1|2114060288|");
        k.put(new InitMessage.Clone(-1L), "clone|1|18446744073709551615|");
        k.put(new InitMessage.JoinNs(NamespaceJoin.network(Path.of("/run/netns/a"))), "join_ns|2|net|/run/netns/a|");
        k.put(new InitMessage.JoinNs(new NamespaceJoin("user", Path.of("/proc/7/ns/user"))), "join_ns|2|user|/proc/7/ns/user|");
        k.put(new InitMessage.CgroupJoin(Path.of("/sys/fs/cgroup/pids/contain/web/tasks")), "cgroup_join|1|/sys/fs/cgroup/pids/contain/web/tasks|");
        k.put(new InitMessage.CloneIntoCgroup(Path.of("/sys/fs/cgroup/contain/web")), "clone_into_cgroup|1|/sys/fs/cgroup/contain/web|");
        k.put(new InitMessage.Rootfs(Path.of("/run/contain/web/root")), "rootfs|1|/run/contain/web/root|");
        k.put(new InitMessage.ChrootFallback(), "chroot_fallback|0|");
        k.put(new InitMessage.Argv(List.of("sh", "-c", "echo é")), "argv|3|sh|-c|echo é|");
        k.put(new InitMessage.Env(List.of()), "env|0|");
        k.put(new InitMessage.Env(List.of("PATH=/bin", "A=")), "env|2|PATH=/bin|A=|");
        k.put(new InitMessage.Cwd("/srv"), "cwd|1|/srv|");
        k.put(new InitMessage.User(1000, 100, List.of(10L, 4294967294L)), "user|4|1000|100|10|4294967294|");
        k.put(new InitMessage.Reaper(), "reaper|0|");
        k.put(new InitMessage.Caps(new Security.Caps(0xa80425fbL, 0xa80425fbL, 0xa80425fbL, 0, -1L)),
                "caps|5|a80425fb|a80425fb|a80425fb|0|ffffffffffffffff|");
        k.put(new InitMessage.NoNewPrivs(), "no_new_privs|0|");
        k.put(new InitMessage.Seccomp(new Security.Seccomp(1, BPF)), "seccomp|2|1|060000000000ff7f|");
        k.put(new InitMessage.Rlimit(new Security.Rlimit(7, 1024, Security.Rlimit.UNLIMITED)), "rlimit|3|7|1024|unlimited|");
        k.put(new InitMessage.OomScoreAdj(-1000), "oom_score_adj|1|-1000|");
        k.put(new InitMessage.Umask(022), "umask|1|22|");
        k.put(new InitMessage.Detach(), "detach|0|");
        k.put(new InitMessage.Log(Path.of("/run/contain/web/log"), 10485760), "log|2|/run/contain/web/log|10485760|");
        k.put(new InitMessage.ExitFile(Path.of("/run/contain/web/exit")), "exit_file|1|/run/contain/web/exit|");
        k.put(new InitMessage.OnExit(List.of("/usr/bin/contain", "cleanup", "web")), "on_exit|3|/usr/bin/contain|cleanup|web|");
        k.put(new InitMessage.Join(4242, 123456789, 0x6c020000L), "join|3|4242|123456789|1812070400|");
        k.put(new InitMessage.Tty(), "tty|0|");
        k.put(new InitMessage.StdinNull(), "stdin_null|0|");
        k.put(new InitMessage.NewKeyring(), "new_keyring|0|");
        k.put(new InitMessage.PreserveFds(2), "preserve_fds|1|2|");
        k.put(new InitMessage.ExecFifo(Path.of("/run/contain/web/exec.fifo")), "exec_fifo|1|/run/contain/web/exec.fifo|");
        k.put(new InitMessage.ConsoleSocket(Path.of("/tmp/conmon-term.X")), "console_socket|1|/tmp/conmon-term.X|");
        k.put(new InitMessage.ConsoleSize(30, 100), "console_size|2|30|100|");
        k.put(new InitMessage.Release(), "release|0|");
        k.put(new InitMessage.StartHook(new InitOp.Hook("startContainer[0]", 0, "{\"pid\":", "}", "/bin/ready", List.of("ready"), List.of())),
                "start_hook|7|startContainer[0]|0|{\"pid\":|}|/bin/ready|1|ready|");
        k.put(op(new InitOp.MakePrivate()), "make_private|0|");
        k.put(op(new InitOp.RootPropagation(0x84000L)), "root_propagation|1|540672|");
        k.put(op(new InitOp.Mknod("/dev/net/tun", 'c', 10, 200, 0640, 1, 2)), "mknod|7|/dev/net/tun|c|10|200|640|1|2|");
        k.put(op(new InitOp.Idmap(Path.of("/img/rootfs"), Path.of("/run/contain/web/idmap/0"))), "idmap|2|/img/rootfs|/run/contain/web/idmap/0|");
        k.put(op(new InitOp.Mount("proc", "/proc", "proc", 14, "")), "mount|5|proc|/proc|proc|14||");
        k.put(op(new InitOp.Mkdir("/dev/pts", 0755)), "mkdir|2|/dev/pts|755|");
        k.put(op(new InitOp.Touch("/etc/hosts")), "touch|1|/etc/hosts|");
        k.put(op(new InitOp.Symlink("/proc/self/fd", "/dev/fd")), "symlink|2|/proc/self/fd|/dev/fd|");
        k.put(op(new InitOp.Mask("/proc/kcore")), "mask|1|/proc/kcore|");
        k.put(op(new InitOp.Readonly("/proc/sys")), "readonly|1|/proc/sys|");
        k.put(op(new InitOp.PivotRoot("/")), "pivot_root|1|/|");
        k.put(op(new InitOp.Unshare(0x02000000L)), "unshare|1|33554432|");
        k.put(op(new InitOp.LoopbackUp()), "loopback_up|0|");
        k.put(op(new InitOp.Write("/proc/sys/net/ipv4/ip_forward", "1")), "write|2|/proc/sys/net/ipv4/ip_forward|1|");
        k.put(op(new InitOp.Hostname("web")), "hostname|1|web|");
        k.put(op(new InitOp.Sync()), "sync|0|");
        k.put(op(new InitOp.Hook("createContainer[1]", 5, "{\"pid\":", ",\"id\":\"web\"}", "/usr/bin/prepare", List.of("prepare", "-q"),
                List.of("A=1"))), "hook|9|createContainer[1]|5|{\"pid\":|,\"id\":\"web\"}|/usr/bin/prepare|2|prepare|-q|A=1|");
        return k;
    }

    private static InitMessage op(InitOp op) {
        return new InitMessage.Op(op);
    }

    private static String wire(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).replace('\0', '|');
    }

    @Test
    void eachKindIsPinnedToItsBytesAfterTheVersion() {
        kinds().forEach((m, expected) -> assertEquals("version|1|2|" + expected, wire(InitCodec.encode(List.of(m))), m.toString()));
        assertEquals("version|1|2|", wire(InitCodec.encode(List.of())));
        assertEquals("plan 2 12\n", new String(InitCodec.header(12), StandardCharsets.US_ASCII));
    }

    @Test
    void everyKindReadsBackAsItWasInOnePlan() {
        List<InitMessage> all = new ArrayList<>(kinds().keySet());
        byte[] encoded = InitCodec.encode(all);
        assertEquals(all, InitCodec.decode(encoded));
        assertEquals("version|1|2|" + String.join("", kinds().values()), wire(encoded));
    }

    /** A record added to InitMessage or InitOp without a pinned entry here (and a line in decode) fails this test. */
    @Test
    void theTableCoversEveryKindTheEngineCanSay() {
        Set<Class<?>> covered = new HashSet<>();
        kinds().keySet().forEach(m -> covered.add(m instanceof InitMessage.Op o ? o.op().getClass() : m.getClass()));
        for (Class<?> kind : leaves(InitMessage.class)) {
            if (kind != InitMessage.Op.class) {
                assertTrue(covered.contains(kind), kind.getSimpleName() + " has no pinned entry");
            }
        }
        for (Class<?> kind : leaves(InitOp.class)) {
            assertTrue(covered.contains(kind), kind.getSimpleName() + " has no pinned entry");
        }
    }

    private static List<Class<?>> leaves(Class<?> sealed) {
        List<Class<?>> out = new ArrayList<>();
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (c.isSealed()) {
                out.addAll(leaves(c));
            } else {
                out.add(c);
            }
        }
        return out;
    }

    @Test
    void theSeccompProgramGoesOutAsLowercaseHexAndComesBack() {
        byte[] program = new byte[4096 * 8];
        new Random(1).nextBytes(program);
        InitMessage m = new InitMessage.Seccomp(new Security.Seccomp(3, program));
        assertEquals("version|1|2|seccomp|2|3|" + HexFormat.of().formatHex(program) + "|", wire(InitCodec.encode(List.of(m))));
        assertEquals(List.of(m), InitCodec.decode(InitCodec.encode(List.of(m))));
        assertEquals(List.of("3", HexFormat.of().formatHex(program)), m.fields());
        assertEquals("\0", new String(InitCodec.hexToken(new byte[0]), StandardCharsets.US_ASCII));
    }

    @Test
    void aNulInsideAFieldIsRefusedNotSplit() {
        var e = assertThrows(IllegalArgumentException.class, () -> InitCodec.encode(List.of(new InitMessage.Argv(List.of("a\0b")))));
        assertEquals("a NUL byte in 'a?b'", e.getMessage());
    }

    @Test
    void aStoredPlanThatCannotBeReadSaysWhy() {
        assertEquals("the plan has no version entry", assertThrows(IllegalArgumentException.class,
                () -> InitCodec.decode(InitCodec.entries(List.of(List.of("tty"))))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> InitCodec.decode(InitCodec.entries(List.of(List.of("version", "3"))))).getMessage().contains("plan version [3]"));
        assertEquals("plan entry \"frobnicate\": unknown to this engine", assertThrows(IllegalArgumentException.class,
                () -> InitCodec.decode(InitCodec.entries(List.of(List.of("version", "2"), List.of("frobnicate"))))).getMessage());
        byte[] seccomp = InitCodec.entries(List.of(List.of("version", "2"), List.of("seccomp", "0", "06000000000Gff7f")));
        assertEquals("plan entry \"seccomp\": not lowercase hex at offset 10", assertThrows(IllegalArgumentException.class,
                () -> InitCodec.decode(seccomp)).getMessage());
        byte[] cut = InitCodec.encode(List.of(new InitMessage.Argv(List.of("sleep", "1"))));
        assertThrows(IllegalArgumentException.class, () -> InitCodec.decode(java.util.Arrays.copyOf(cut, cut.length - 2)));
    }

    @Test
    void repliesAreParsedIntoTheirKinds() {
        assertEquals(new InitReply.Pid(4242), InitReply.parse("pid 4242"));
        assertEquals(new InitReply.MonitorPid(77), InitReply.parse("monitor 77"));
        assertEquals(new InitReply.Started(), InitReply.parse("started"));
        assertEquals(new InitReply.Created(), InitReply.parse("created"));
        assertEquals(new InitReply.Sync(), InitReply.parse("sync"));
        assertEquals(new InitReply.Monitoring(), InitReply.parse("monitoring"));
        assertEquals(new InitReply.Exit(3, null), InitReply.parse("exit code 3"));
        assertEquals(new InitReply.Exit(null, 9), InitReply.parse("exit signal 9"));
        assertEquals(new InitReply.Closed(), InitReply.parse(null));
    }

    @Test
    void failuresNameTheirKindErrnoAndStage() {
        var exec = InitReply.parse("error exec 2 exec \"pyhton3\": No such file or directory");
        assertEquals(new InitReply.Failure("exec", 2, "exec \"pyhton3\": No such file or directory"), exec);
        assertEquals("start", ((InitReply.Failure) exec).stage("start"));
        var cgroup = (InitReply.Failure) InitReply.parse("error cgroup 13 open /sys/fs/cgroup/pids/contain/web/tasks: Permission denied");
        assertEquals("cgroup", cgroup.stage("namespaces"));
        assertEquals("setup", ((InitReply.Failure) InitReply.parse("error setup 22 clone: Invalid argument")).stage("namespaces"));
        // a line of no known kind is a setup failure that quotes it, never silently taken for another
        assertEquals(new InitReply.Failure("setup", 0, "something else"), InitReply.parse("something else"));
        assertEquals(new InitReply.Failure("setup", 0, "pid x"), InitReply.parse("pid x"));
        assertEquals(new InitReply.Failure("setup", 0, "exit code"), InitReply.parse("exit code"));
        assertEquals("the native init answered out of turn: Started[]", InitReply.Failure.of(new InitReply.Started()).message());
    }

    @Test
    void commandsAreTheLinesHostCReads() {
        assertEquals(List.of("go", "signal 15", "detached", "release", "resume"), List.of(new InitCommand.Go(), new InitCommand.Signal(15),
                new InitCommand.HandOver(), new InitCommand.Release(), new InitCommand.Resume()).stream().map(InitCommand::line).toList());
    }

    /** An exec keeps the container's confinement and nothing that would make a container. */
    @Test
    void anExecKeepsTheConfinementOfTheContainersPlan() {
        List<InitMessage> container = new ArrayList<>(kinds().keySet());
        var process = InitPlan.process(container);
        assertEquals(List.of("PATH=/bin", "A="), process.env());
        assertEquals("/srv", process.cwd());
        assertEquals(1000, process.uid());
        var target = new dev.contain.runtime.kernel.ProcessStamp(4242, 9);
        var plan = new ExecPlan(target, process.namespaces(), List.of("id"), process.env(), process.cwd(), 0, 0, List.of(),
                ExecPlan.Confinement.CONTAINERS, Terminal.RELAY, true, false, false, 0);
        List<String> keys = InitPlan.exec(container, plan).stream().map(InitMessage::key).toList();
        assertEquals(List.of("cgroup_join", "clone_into_cgroup", "seccomp", "rlimit", "oom_score_adj", "new_keyring", "caps", "no_new_privs", "umask",
                "join", "argv", "env", "cwd", "user", "tty"), keys);
        // without -i: stdin from /dev/null; -d: the host side stays as the process's monitor
        var detached = new ExecPlan(plan.target(), plan.namespaces(), plan.argv(), plan.env(), plan.cwd(), 0, 0, List.of(),
                ExecPlan.Confinement.CONTAINERS, null, false, true, false, 0);
        List<String> tail = InitPlan.exec(container, detached).stream().map(InitMessage::key).toList();
        assertEquals(List.of("join", "argv", "env", "cwd", "user", "stdin_null", "detach"), tail.subList(9, tail.size()));
    }

    /** OCI exec: its own capabilities (plus --cap), no_new_privs, rlimits, oom_score_adj and umask replace the container's. */
    @Test
    void anOciExecChangesTheConfinementItGives() {
        List<InitMessage> container = new ArrayList<>(kinds().keySet());
        var target = new dev.contain.runtime.kernel.ProcessStamp(4242, 9);
        var own = new ExecPlan.Confinement(new Security.Caps(1, 1, 1, 1, 0), 4, false, List.of(new Security.Rlimit(7, 10, 20)), 5, 077);
        List<InitMessage> m = InitPlan.exec(container, new ExecPlan(target, 0, List.of("id"), List.of(), "/", 0, 0, List.of(), own,
                new Terminal(Path.of("/tmp/console.sock"), 30, 100), true, false, true, 2));
        assertEquals(List.of("cgroup_join", "clone_into_cgroup", "seccomp", "new_keyring", "caps", "rlimit", "oom_score_adj", "umask", "join", "argv", "env",
                "cwd", "user", "tty", "console_socket", "console_size", "release", "preserve_fds"), m.stream().map(InitMessage::key).toList());
        assertTrue(m.contains(new InitMessage.Caps(new Security.Caps(5, 5, 5, 1, 4)))); // added to the ambient set too: inheritable is set
        assertTrue(m.contains(new InitMessage.Rlimit(new Security.Rlimit(7, 10, 20))));
        assertTrue(m.contains(new InitMessage.OomScoreAdj(5)));
        assertTrue(m.contains(new InitMessage.Umask(077)));
        assertTrue(m.contains(new InitMessage.PreserveFds(2)), "--preserve-fds 2");
        // --cap over the container's own: added to bounding, effective and permitted (its inheritable set is empty)
        List<InitMessage> added = InitPlan.exec(container, new ExecPlan(target, 0, List.of("id"), List.of(), "/", 0, 0, List.of(),
                new ExecPlan.Confinement(null, 1L << 21, true, null, null, null), null, true, false, false, 0));
        assertTrue(added.contains(new InitMessage.Caps(new Security.Caps(0xa82425fbL, 0xa82425fbL, 0xa82425fbL, 0, -1L))), added.toString());
        assertTrue(added.contains(new InitMessage.NoNewPrivs()));
        assertTrue(added.contains(new InitMessage.Umask(022)), "the container's umask");
    }

    /**
     * contain exec's fast path (c/init/fastexec.c) sends the stored plan with an argv entry, and stdin_null without -i,
     * appended: exactly the entries the engine's own path sends for that exec, in any order (the init keeps none).
     */
    @Test
    void theFastPathsStoredPlanWithItsArgvIsTheEnginesExec() throws Exception {
        List<InitMessage> container = new ArrayList<>(kinds().keySet());
        var pid1 = new dev.contain.runtime.kernel.ProcessStamp(4242, 9);
        byte[] stored = InitCodec.encode(InitPlan.fastExec(container, pid1));
        for (boolean interactive : new boolean[] {true, false}) {
            var options = new dev.contain.runtime.base.ExecOptions(List.of("sh", "-c", "echo é"), Map.of(), null, null, false, interactive, false);
            List<InitMessage> engine = InitPlan.exec(container, dev.contain.runtime.plan.ExecPlanner.plan("web", InitPlan.process(container), pid1,
                    options, Path.of("/nonexistent")));
            List<List<String>> appended = new ArrayList<>(List.of(List.of("argv", "3", "sh", "-c", "echo é")));
            if (!interactive) {
                appended.add(List.of("stdin_null", "0"));
            }
            // what fastexec.c appends: the key, the field count and the fields, as tokens
            java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
            sent.write(stored);
            for (List<String> tokens : appended) {
                for (String t : tokens) {
                    sent.write(t.getBytes(StandardCharsets.UTF_8));
                    sent.write(0);
                }
            }
            assertEquals(entries(engine), entries(InitCodec.decode(sent.toByteArray())), interactive ? "-i" : "without -i");
        }
    }

    /** Each message as its bytes on the wire, sorted: the plan as the init reads it, whatever the order. */
    private static List<String> entries(List<InitMessage> messages) {
        return messages.stream().map(m -> new String(InitCodec.encode(List.of(m)), StandardCharsets.UTF_8)).sorted().toList();
    }
}
