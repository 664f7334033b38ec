package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.LinuxKernel;
import dev.contain.runtime.kernel.ProcessStamp;
import dev.contain.runtime.stage.Journal;
import dev.contain.runtime.stage.Undo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The host operations teardown and stop rely on, on the real kernel. */
class LinuxKernelTest {
    /** mkdirs as Files.createDirectories: missing parents made, an existing folder (or a link to one) taken, a file refused. */
    @Test
    void mkdirsMakesMissingParentsTakesWhatIsThereAndRefusesAFileInTheWay() throws Exception {
        Path tmp = Files.createTempDirectory("contain-kernel-");
        try {
            Path deep = tmp.resolve("a/b/c");
            LinuxKernel.INSTANCE.mkdirs(deep);
            assertTrue(Files.isDirectory(deep));
            LinuxKernel.INSTANCE.mkdirs(deep); // there already
            Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("a"));
            LinuxKernel.INSTANCE.mkdirs(tmp.resolve("link/b/d"));
            assertTrue(Files.isDirectory(tmp.resolve("a/b/d")), "made through the link, as createDirectories does");
            Files.writeString(tmp.resolve("file"), "x");
            assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> LinuxKernel.INSTANCE.mkdirs(tmp.resolve("file")));
            assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> LinuxKernel.INSTANCE.mkdirs(tmp.resolve("file/sub")));
        } finally {
            LinuxKernel.INSTANCE.deleteTree(tmp);
        }
    }

    @Test
    void deleteTreeRemovesEverythingButFollowsNoSymlinkAndEntersNoMount() throws Exception {
        Path tmp = Files.createTempDirectory("contain-kernel-");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep");
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/file"), "x");
        Files.writeString(tree.resolve("a/file"), "x");
        Files.createDirectories(tree.resolve("empty"));
        Files.createSymbolicLink(tree.resolve("a/link"), outside);
        Path mount = Files.createDirectories(tree.resolve("m"));
        try {
            LinuxKernel.INSTANCE.deleteTree(tree.resolve("a"));
            assertTrue(Files.notExists(tree.resolve("a")));
            assertEquals("keep", Files.readString(outside.resolve("keep")), "a symlink is removed, not followed");

            assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "contain-test", mount.toString()).inheritIO().start().waitFor());
            try {
                Files.writeString(mount.resolve("inside"), "x");
                IOException refused = assertThrows(IOException.class, () -> LinuxKernel.INSTANCE.deleteTree(tree));
                assertTrue(refused.getMessage().contains("is a mount point"), refused.getMessage());
                assertTrue(Files.exists(mount.resolve("inside")), "nothing inside a mount is removed");
            } finally {
                assertEquals(0, new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor());
            }
            LinuxKernel.INSTANCE.deleteTree(tree);
            assertTrue(Files.notExists(tree));
            LinuxKernel.INSTANCE.deleteTree(tree); // gone already: nothing to do
        } finally {
            LinuxKernel.INSTANCE.deleteTree(tmp);
        }
    }

    @Test
    void aSignalReachesTheRecordedProcessOnlyAndSaysWhenItIsGone() throws Exception {
        Path data = Files.createTempDirectory("contain-signal-");
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            ProcessStamp recorded = ProcessStamp.of(LinuxKernel.INSTANCE, sleeper.pid());
            // the same pid with another start time: as if the recorded process had ended and its pid been reused
            ProcessStamp reused = new ProcessStamp(recorded.pid(), recorded.startTime() + 1);
            assertFalse(LinuxKernel.INSTANCE.signal(data, reused, 15), "a reused pid is never signalled");
            assertTrue(sleeper.isAlive(), "the process with that pid now was left alone");
            assertTrue(LinuxKernel.INSTANCE.signal(data, recorded, 15));
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS), "SIGTERM reached it");
            assertEquals(128 + 15, sleeper.exitValue(), "it died of SIGTERM");
            assertFalse(LinuxKernel.INSTANCE.signal(data, recorded, 15), "gone: false, no error");
            IOException bad = assertThrows(IOException.class, () -> LinuxKernel.INSTANCE.signal(data, new ProcessStamp(-5, 0), 15));
            assertTrue(bad.getMessage().contains("usage"), bad.getMessage());
        } finally {
            sleeper.destroyForcibly();
            LinuxKernel.INSTANCE.deleteTree(data);
        }
    }

    /** -it's back-up of the user's terminal goes through the init, given the engine's stdin (see ExecTest for a pty). */
    @Test
    void terminalSettingsOfAStdinThatIsNoTerminalAreNoneAndTheInitRefusesBadSettings() throws Exception {
        Path data = Files.createTempDirectory("contain-terminal-");
        try {
            assertEquals(java.util.Optional.empty(), LinuxKernel.INSTANCE.terminalSettings(data), "this test's stdin is a pipe");
            LinuxKernel.INSTANCE.setTerminalSettings(data, new dev.contain.runtime.kernel.TerminalSettings(new byte[60])); // nothing to set: no error
            Path init = dev.contain.runtime.kernel.EmbeddedBinary.CONTAIN_INIT.ensure(data);
            for (List<String> bad : List.of(List.of("set", "zz"), List.of("set", "0".repeat(119) + "g"), List.of("get"), List.of("save", "extra"))) {
                List<String> command = new java.util.ArrayList<>(List.of(init.toString(), "--terminal"));
                command.addAll(bad);
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(2, p.waitFor(), bad + ": " + said);
                assertTrue(said.startsWith("usage: contain-init --terminal"), said);
            }
        } finally {
            LinuxKernel.INSTANCE.deleteTree(data);
        }
    }

    /** Teardown asks /proc, not netlink, whether a veth or bridge is still there (see Undo.Link, Undo.NewBridge). */
    @Test
    void hasLinkNamesOnlyLinksOfThisNetworkNamespace() throws Exception {
        assertTrue(LinuxKernel.INSTANCE.hasLink("lo"));
        assertFalse(LinuxKernel.INSTANCE.hasLink("l"), "a prefix of a link's name is no link");
        assertFalse(LinuxKernel.INSTANCE.hasLink("ct-nosuch0"));
        assertFalse(LinuxKernel.INSTANCE.hasLink("Inter-"), "the header lines name no link");
    }

    /** The real kernel, its signal and kill calls noted in {@code calls}; its default methods run through the proxy. */
    private static Kernel recording(List<String> calls) {
        return (Kernel) java.lang.reflect.Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "signal" -> calls.add("signal " + ((ProcessStamp) args[1]).pid() + " " + args[2]);
                case "kill" -> calls.add("kill " + args[0]);
                case "killIfSame" -> {
                    return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args); // its calls come back here
                }
                default -> { }
            }
            try {
                return method.invoke(LinuxKernel.INSTANCE, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /** Teardown's last resort for the processes a run started: a journal line, read back by gc, kills the recorded process only. */
    @Test
    void aJournalsProcessLineKillsTheRecordedProcessOnly() throws Exception {
        Path data = Files.createTempDirectory("contain-journal-");
        Path state = Files.createDirectories(data.resolve("state"));
        Process recorded = new ProcessBuilder("sleep", "60").start();
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            ProcessStamp stamp = ProcessStamp.of(LinuxKernel.INSTANCE, recorded.pid());
            ProcessStamp reused = new ProcessStamp(other.pid(), ProcessStamp.of(LinuxKernel.INSTANCE, other.pid()).startTime() + 1);
            Journal written = Journal.create(state);
            written.record(new Undo.Process(stamp, data));
            written.record(new Undo.Process(reused, data));
            assertTrue(Files.readString(state.resolve(Journal.FILE)).contains("process\t" + stamp.pid() + "\t" + stamp.startTime() + "\t" + data + "\n"),
                    "the line names the data root whose init sends the signal");
            List<String> calls = new java.util.ArrayList<>();
            Kernel kernel = recording(calls);
            assertEquals(List.of(), Journal.load(state).undoAll(kernel, true));
            assertTrue(recorded.waitFor(10, TimeUnit.SECONDS), "the recorded process was killed");
            assertEquals(128 + 9, recorded.exitValue(), "by SIGKILL");
            assertTrue(other.isAlive(), "a pid whose start time differs from the journal's is left alone");
            assertEquals(List.of("signal " + stamp.pid() + " 9"), calls, "through the init's pidfd, never by pid alone");
            // an older engine's line names no data root: still killed (checked, then by pid)
            ProcessStamp old = ProcessStamp.of(LinuxKernel.INSTANCE, other.pid());
            Files.writeString(state.resolve(Journal.FILE), "process\t" + old.pid() + "\t" + old.startTime() + "\n");
            calls.clear();
            assertEquals(List.of(), Journal.load(state).undoAll(kernel, true));
            assertTrue(other.waitFor(10, TimeUnit.SECONDS), "an older journal's process was killed too");
            assertEquals(List.of("kill " + old.pid()), calls);
        } finally {
            recorded.destroyForcibly();
            other.destroyForcibly();
            LinuxKernel.INSTANCE.deleteTree(data);
        }
    }
}
