package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import dev.contain.runtime.base.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * contain exec's native fast path, through the one-file contain as `make build` assembles it: the launcher hands
 * {@code exec [-i] NAME [--] CMD} to the init (runtime/src/main/c/init/fastexec.c), which runs the exec plan the
 * engine stored in the container's state folder, with no JVM. Each case runs through both paths (the engine's with
 * CONTAIN_FAST_EXEC=off) and must give the same exit code, output and messages; CONTAIN_FAST_EXEC=trace proves
 * which path ran.
 */
class FastExecIT {
    private static final String NATIVE = "trace: exec: the native path: ";
    private static final String SPEC = "image: busybox\nhostname: boxy\nenv: { GREETING: hello }\nworkdir: /etc\n"
            + "resources: { memory: 64Mi, pids: 32 }\n"
            + "command: [sh, -c, 'trap \"exit 3\" TERM; echo ready; while true; do sleep 0.05; done']\n";

    /** The assembled launcher, run with the test host's roots, without a start-up archive (none is made). */
    private record Contain(TestHost host, Path file) {
        static Contain assemble(TestHost host) throws Exception {
            Path file = host.dir.resolve("bin/contain");
            TestHost.exec(List.of("../images/assemble.sh", System.getProperty("contain.jar"), file.toString(), ""));
            return new Contain(host, file);
        }

        ProcessBuilder cli(String fast, String... args) {
            List<String> cmd = new ArrayList<>(List.of(file.toString(), "--root", host.dataRoot.toString(), "--run-root", host.runRoot.toString()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("CONTAIN_ARCHIVE", "off");
            pb.environment().put("CONTAIN_CACHE", host.dir.resolve("cache").toString());
            pb.environment().remove("CONTAIN_JAVA_OPTS");
            pb.environment().put("CONTAIN_FAST_EXEC", fast);
            return pb;
        }

        Result run(String fast, String... args) throws Exception {
            return host.run(cli(fast, args));
        }

        /** Through the native path (its trace line checked and dropped), then the engine's: the same result. */
        Result both(String... args) throws Exception {
            return both(null, args);
        }

        Result both(Path input, String... args) throws Exception {
            ProcessBuilder fast = cli("trace", args), engine = cli("off", args);
            if (input != null) {
                fast.redirectInput(input.toFile());
                engine.redirectInput(input.toFile());
            }
            Result f = host.run(fast);
            assertTrue(f.err().startsWith(NATIVE), "the native path: " + f.err());
            Result viaNative = new Result(f.exit(), f.out(), f.err().substring(f.err().indexOf('\n') + 1));
            assertEquals(host.run(engine), viaNative, "the native path and the engine's: " + List.of(args));
            return viaNative;
        }
    }

    private static void ok(Result r) {
        ExecTest.ok(r);
    }

    private static void startDetached(TestHost host, String name) throws Exception {
        ExecTest.startDetached(host, name, SPEC);
    }

    @Test
    void theNativePathGivesWhatTheEnginesGives() throws Exception {
        try (TestHost host = new TestHost()) {
            Contain contain = Contain.assemble(host);
            startDetached(host, "box");
            Path plan = host.runRoot.resolve("box/exec-plan");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(plan)), "the stored plan is root's only");

            assertEquals(new Result(0, "boxy\n", ""), contain.both("exec", "box", "--", "hostname"));
            assertEquals("hello /etc 0 0\n", contain.both("exec", "box", "sh", "-c", "echo $GREETING $PWD $(id -u) $(id -g)").out(),
                    "the container's env, workdir and user; -- is optional");
            assertEquals(3, contain.both("exec", "box", "--", "sh", "-c", "exit 3").exit());
            assertEquals(137, contain.both("exec", "box", "--", "sh", "-c", "kill -9 $$").exit(), "128+N for a signal");
            assertEquals(new Result(127, "", "contain: box: exec \"nosuch\": No such file or directory\n"), contain.both("exec", "box", "--", "nosuch", "x"));
            assertEquals(new Result(126, "", "contain: box: exec \"/etc/passwd\": Permission denied\n"), contain.both("exec", "box", "--", "/etc/passwd"));
            // stdin only with -i, else /dev/null
            Path input = host.dir.resolve("input");
            Files.writeString(input, "hello\n");
            assertEquals("end\n", contain.both(input, "exec", "box", "--", "sh", "-c", "cat; echo end").out());
            assertEquals("hello\nend\n", contain.both(input, "exec", "-i", "box", "--", "sh", "-c", "cat; echo end").out());
            assertEquals("hello\n", contain.both(input, "exec", "--interactive", "box", "cat").out());
            // in every namespace and cgroup of PID 1, confined as it is (capabilities, no_new_privs, seccomp, rlimits)
            assertEquals("user\nmnt\npid\nnet\nuts\nipc\ncgroup\ncgroups\n", contain.both("exec", "box", "--", "sh", "-c",
                    "for n in user mnt pid net uts ipc cgroup; do [ \"$(readlink /proc/self/ns/$n)\" = \"$(readlink /proc/1/ns/$n)\" ] && echo $n; done; "
                    + "[ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/1/cgroup)\" ] && echo cgroups").out());
            String lines = "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):' ";
            String mine = contain.both("exec", "box", "--", "sh", "-c", lines + "/proc/self/status").out();
            assertEquals(contain.both("exec", "box", "--", "sh", "-c", lines + "/proc/1/status").out(), mine);
            assertTrue(mine.contains("NoNewPrivs:\t1") && mine.contains("Seccomp:\t2") && !mine.contains("CapEff:\t000001ffffffffff"), mine);
            assertEquals(contain.both("exec", "box", "cat", "/proc/1/limits").out(), contain.both("exec", "box", "cat", "/proc/self/limits").out());

            // a signal to the engine goes to the process, as the engine forwards it
            TestHost.Running running = host.start(contain.cli("trace", "exec", "box", "--", "sh", "-c", "echo started; exec sleep 30"));
            running.awaitLine("started");
            running.signal("TERM");
            Result term = running.finish();
            assertEquals(128 + 15, term.exit(), term.err());
            assertTrue(term.err().startsWith(NATIVE), term.err());

            ok(host.run("stop", "box"));
            assertFalse(Files.exists(plan), "the teardown removes the stored plan");
            Result stopped = contain.run("trace", "exec", "box", "--", "true");
            assertEquals(125, stopped.exit());
            assertTrue(stopped.err().startsWith("trace: exec: the engine's path: no stored exec plan "), stopped.err());
            assertEquals(new Result(125, "", stopped.err().substring(stopped.err().indexOf('\n') + 1)), contain.run("off", "exec", "box", "--", "true"));
            assertTrue(stopped.err().contains("contain: box: is not running (exited (3)"), stopped.err());
            ok(host.run("rm", "box"));
            assertEquals(new Result(125, "", "contain: box: no such container (see contain ps -a)\n"), contain.run("", "exec", "box", "--", "true"));
        }
    }

    /** A plan left from a container that has ended: the init's pidfd and start-time check refuses it, the engine says why. */
    @Test
    void aStalePlanIsRefusedByTheJoinAndTheEngineExplains() throws Exception {
        try (TestHost host = new TestHost()) {
            Contain contain = Contain.assemble(host);
            startDetached(host, "old");
            Path plan = host.runRoot.resolve("old/exec-plan");
            byte[] kept = Files.readAllBytes(plan);
            ok(host.run("stop", "old"));
            Files.write(plan, kept);
            Files.setPosixFilePermissions(plan, PosixFilePermissions.fromString("rw-------"));
            Result r = contain.run("trace", "exec", "old", "--", "true");
            assertEquals(125, r.exit(), r.err());
            List<String> err = r.err().lines().toList();
            assertTrue(err.get(0).startsWith(NATIVE) && err.get(1).matches("trace: exec: the engine's path: the container's process \\d+ has ended.*"), r.err());
            assertTrue(err.get(2).startsWith("contain: old: is not running (exited (3)"), r.err());
            ok(host.run("rm", "old"));
        }
    }

    @Test
    void aForgedPlanIsRefusedAndOtherFormsAreTheEngines() throws Exception {
        try (TestHost host = new TestHost()) {
            Contain contain = Contain.assemble(host);
            startDetached(host, "f");
            Path plan = host.runRoot.resolve("f/exec-plan");
            Files.setPosixFilePermissions(plan, PosixFilePermissions.fromString("rw-r--r--"));
            Result wide = contain.run("", "exec", "f", "--", "true");
            assertEquals(125, wide.exit());
            assertTrue(wide.err().matches("contain: f: exec: refused the stored exec plan " + plan + ": a file owned by uid 0 with mode 0644, \\d+ bytes "
                    + "\\(the engine writes a file owned by root, mode 0600\\)\n"), wide.err());
            Files.setPosixFilePermissions(plan, PosixFilePermissions.fromString("rw-------"));
            Files.setAttribute(plan, "unix:uid", 1000);
            Result owner = contain.run("", "exec", "f", "--", "true");
            assertEquals(125, owner.exit());
            assertTrue(owner.err().contains("refused the stored exec plan " + plan + ": a file owned by uid 1000 with mode 0600"), owner.err());
            Files.setAttribute(plan, "unix:uid", 0);
            Path elsewhere = host.runRoot.resolve("elsewhere");
            Files.move(plan, elsewhere);
            Files.createSymbolicLink(plan, elsewhere);
            Result link = contain.run("", "exec", "f", "--", "true");
            assertEquals(new Result(125, "", "contain: f: exec: refused the stored exec plan " + plan + ": a symbolic link (the engine writes a file)\n"), link);
            Files.delete(plan);
            Files.move(elsewhere, plan);
            ok(contain.both("exec", "f", "--", "true"));

            // the options the fast path leaves to the engine work as before, through the JVM
            for (List<String> args : List.of(List.of("exec", "-u", "nobody", "f", "--", "id", "-u"), List.of("exec", "-e", "A=1", "f", "--", "true"),
                    List.of("exec", "-w", "/tmp", "f", "--", "true"), List.of("exec", "-d", "f", "--", "true"), List.of("exec", "-i", "-e", "A=1", "f", "true"),
                    List.of("--debug", "exec", "f", "--", "true"), List.of("exec", "f", "--", "--", "true"))) {
                Result r = contain.run("trace", args.toArray(String[]::new));
                assertFalse(r.err().contains(NATIVE), args + ": " + r.err());
                if (!args.get(args.size() - 2).equals("--")) {
                    assertEquals(0, r.exit(), args + ": " + r.err());
                }
            }
            assertEquals("65534\n", contain.run("", "exec", "-u", "nobody", "f", "--", "id", "-u").out());
            // -t needs a terminal: the engine's path says so as before
            assertFalse(contain.run("trace", "exec", "-t", "f", "--", "true").err().contains(NATIVE));
            // a container started by an older engine (no stored plan): the engine's path
            Files.delete(plan);
            Result older = contain.run("trace", "exec", "f", "--", "true");
            ok(older);
            assertTrue(older.err().startsWith("trace: exec: the engine's path: no stored exec plan " + plan), older.err());
            ok(host.run("rm", "-f", "f"));
        }
    }

    /** The launcher knows the engine's default roots without a JVM: they must be EngineConfig's. */
    @Test
    void theLaunchersDefaultRootsAreTheEngines() throws Exception {
        String launcher = Files.readString(Path.of("../launcher.sh"));
        assertTrue(launcher.contains("data=" + EngineConfig.DEFAULT_DATA_ROOT + " run=" + EngineConfig.DEFAULT_RUN_ROOT + " "), "launcher.sh's fast_exec");
    }
}
