package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.contain.runtime.TestHost.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one-file contain as a package installs it: assembled as `make build` does (images/assemble.sh), put in a
 * staging folder (`make install DESTDIR=stage`), then copied elsewhere, as a package manager would, and moved.
 * Its start-up archive is made on first use for the file where it is, and used from then on; for the JDK 25
 * AOT cache (when a JDK 25 is installed: `make test` says which) and the default java's AppCDS archive.
 */
class PackagingIT {
    private static final Pattern MAKING = Pattern.compile("trace: archive: none yet: (\\S+) is being made in the background, for the next runs");

    /** One launcher, run with its own cache and, for AppCDS, JAVA=java. */
    private record Launcher(TestHost host, Path file, Path cache, boolean aot) {
        Result run(String... args) throws IOException, InterruptedException {
            return run(null, args);
        }

        /** With {@code classLog}: the JVM lists every class it loads there, and where from. */
        Result run(Path classLog, String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(file.toString(), "--root", host.dataRoot.toString(), "--run-root", host.runRoot.toString()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            env.put("CONTAIN_CACHE", cache.toString());
            env.remove("CONTAIN_ARCHIVE");
            env.remove("CONTAIN_JAVA_OPTS");
            if (classLog != null) env.put("CONTAIN_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
            if (aot) env.remove("JAVA"); else env.put("JAVA", "java");
            Process p = pb.start();
            p.getOutputStream().close();
            return Result.of(p, 120);
        }

        /** A dry run with --trace: what it says of the archive. */
        String archiveLine() throws IOException, InterruptedException {
            Result r = run("run", "--dry-run", "--trace", "--image", "busybox", "--", "true");
            assertEquals(0, r.exit(), r.err());
            return r.err().lines().filter(l -> l.startsWith("trace: archive: ")).findFirst().orElseThrow(() -> new AssertionError(r.err()));
        }

        String kind() {
            return aot ? "AOT cache" : "AppCDS archive";
        }
    }

    @Test
    @Timeout(600) // up to six trainings, each a JVM run and a container, niced
    void anInstalledCopyMakesItsArchiveOnFirstUseAndUsesItFromTheSecondRunAfterAMoveToo() throws Exception {
        String jdk25 = System.getenv("JDK25");
        try (TestHost host = new TestHost()) {
            Path stage = host.dir.resolve("stage/usr/bin/contain");
            TestHost.exec(List.of("../images/assemble.sh", System.getProperty("contain.jar"), stage.toString(), jdk25 == null ? "" : jdk25));
            Path installed = host.dir.resolve("usr/bin/contain");
            Files.createDirectories(installed.getParent());
            Files.copy(stage, installed, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Files.setLastModifiedTime(installed, FileTime.fromMillis(System.currentTimeMillis())); // copied as a package does
            Path cache = host.dir.resolve("cache");
            List<Launcher> launchers = new ArrayList<>(List.of(new Launcher(host, installed, cache, false)));
            if (jdk25 != null && !jdk25.isEmpty()) {
                launchers.add(new Launcher(host, installed, cache, true));
            } else {
                System.err.println("PackagingIT: no JDK 25 given (JDK25=...; make test gives it): the AOT cache is not tested");
            }
            for (Launcher l : launchers) {
                Path archive = firstUseMakesOne(l, 3);
                assertTrue(archive.startsWith(cache) && archive.toString().endsWith(installed + (l.aot ? ".aot" : ".jsa")), archive.toString());
                Path runs = runArchive(archive); // what a run starts from, once made (with the other, in one training)
                Result real = l.run("run", "-q", "--trace", "--image", "busybox", "--", "true");
                assertEquals(0, real.exit(), real.err());
                assertTrue(real.err().startsWith("trace: archive: " + l.kind() + " " + runs + "\n"), real.err());
                lifecycleCommandsLoadNoClassFromTheJar(l);

                Path moved = host.dir.resolve("opt/contain-" + (l.aot ? "aot" : "cds"));
                Files.createDirectories(moved.getParent());
                Files.copy(installed, moved, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                Path movedArchive = firstUseMakesOne(new Launcher(host, moved, cache, l.aot), 1);
                assertTrue(Files.isRegularFile(runArchive(movedArchive)), "and a run archive of its own");
                assertTrue(movedArchive.toString().endsWith(moved + (l.aot ? ".aot" : ".jsa")), "an archive of its own: " + movedArchive);
                Files.delete(moved);

                // an archive the JVM refuses (a touched file on JDK 17; a JDK update; here a damaged AOT cache)
                if (l.aot) {
                    Files.writeString(runs, "not an AOT cache");
                } else {
                    Files.setLastModifiedTime(installed, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
                }
                String refused = l.archiveLine();
                assertTrue(refused.startsWith("trace: archive: none: the JVM refused " + runs + " ("), refused);
                String next = l.archiveLine();
                assertEquals("trace: archive: none yet: " + runs + " is being made in the background, for the next runs", next,
                        "the run after a refusal makes it again");
                awaitTraining(archive);
                assertEquals("trace: archive: " + l.kind() + " " + runs, l.archiveLine(), "made again");
            }
            try (Stream<Path> files = Files.walk(cache)) {
                List<String> names = files.filter(Files::isRegularFile).map(f -> f.getFileName().toString().replaceAll("^contain(-aot|-cds)?", "contain"))
                        .sorted().distinct().toList();
                List<String> expected = new ArrayList<>(List.of("contain.jsa", "contain.jsa.lock", "contain.jsa.log", "contain.run.jsa", "contain.run.jsa.log"));
                if (launchers.size() > 1) {
                    expected.addAll(List.of("contain.aot", "contain.aot.lock", "contain.aot.log", "contain.run.aot", "contain.run.aot.log"));
                }
                assertEquals(expected.stream().sorted().toList(), names, "archives (a run's and the other commands'), their logs and "
                        + "the lock; no training left behind, no failure");
            }
        }
    }

    @Test
    void theEngineJvmHasACappedHeap() throws Exception {
        try (TestHost host = new TestHost()) {
            Path file = host.dir.resolve("contain");
            TestHost.exec(List.of("../images/assemble.sh", System.getProperty("contain.jar"), file.toString(), ""));
            ProcessBuilder pb = new ProcessBuilder(file.toString(), "--version");
            pb.environment().put("CONTAIN_ARCHIVE", "off");
            pb.environment().put("CONTAIN_JAVA_OPTS", "-XX:+PrintFlagsFinal");
            Process p = pb.start();
            Result r = Result.of(p, 60);
            assertEquals(0, r.exit(), r.err());
            Matcher heap = Pattern.compile("\\sMaxHeapSize\\s+= (\\d+)").matcher(r.out());
            assertTrue(heap.find(), r.out());
            assertEquals(256L << 20, Long.parseLong(heap.group(1)), "a spec is untrusted input: the validator runs in bounded memory");
        }
    }

    /**
     * Runs that find no archive (n of them at once) start without one and leave one being made; it is ready
     * soon after, once, and the next run uses it. Returns its path.
     */
    private static Path firstUseMakesOne(Launcher l, int atOnce) throws Exception {
        List<Thread> runs = new ArrayList<>();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < atOnce; i++) {
            Thread t = new Thread(() -> {
                try {
                    lines.add(l.archiveLine());
                } catch (Exception | AssertionError e) {
                    lines.add(e.toString());
                }
            });
            t.start();
            runs.add(t);
        }
        for (Thread t : runs) {
            t.join();
        }
        Path archive = null;
        for (String line : lines) {
            Matcher m = MAKING.matcher(line);
            assertTrue(m.matches(), "the first use has no archive yet: " + line);
            assertTrue(archive == null || archive.toString().equals(m.group(1)), "one archive for them all: " + lines);
            archive = Path.of(m.group(1));
        }
        awaitTraining(archive);
        assertEquals("trace: archive: " + l.kind() + " " + runArchive(archive), l.archiveLine(), "the next run uses its own");
        return archive;
    }

    /**
     * Each command of a detached container's life starts from the archive alone: a class the training did not reach
     * makes the JVM open the 7 MB jar to load it (~20 ms of that command). launcher.sh's training list keeps this so.
     */
    private static void lifecycleCommandsLoadNoClassFromTheJar(Launcher l) throws IOException, InterruptedException {
        Path log = l.host().dir.resolve("classes.log");
        List<List<String>> commands = List.of(List.of("run", "-d", "--name", "pkg", "--image", "busybox", "--", "sleep", "60"),
                List.of("ps"), List.of("inspect", "pkg"), List.of("logs", "pkg"), List.of("exec", "-e", "A=1", "pkg", "--", "true"),
                List.of("exec", "-t", "pkg", "--", "true"), List.of("exec", "-it", "pkg", "--", "true"), List.of("kill", "-s", "CONT", "pkg"),
                List.of("stop", "-t", "0", "pkg"), List.of("wait", "pkg"), List.of("rm", "pkg"), List.of("image", "ls"),
                List.of("network", "ls"), List.of("gc"));
        for (List<String> command : commands) {
            Files.deleteIfExists(log);
            Result r = l.run(log, command.toArray(String[]::new));
            assertTrue(r.exit() == 0 || command.get(0).equals("wait"), command + ": " + r.err());
            List<String> fromTheJar = Files.readAllLines(log).stream().filter(line -> line.contains("source: file:")).toList();
            assertEquals(List.of(), fromTheJar, l.kind() + ": `contain " + String.join(" ", command) + "` loaded classes from the jar");
        }
    }

    /** The archive a run starts from, beside the other commands' (launcher.sh: made in the same training, after it). */
    private static Path runArchive(Path archive) {
        String name = archive.toString();
        int dot = name.lastIndexOf('.');
        return Path.of(name.substring(0, dot) + ".run" + name.substring(dot));
    }

    /** Until the background training is over: its lock (the other commands' archive's) is free and both archives are there. */
    private static void awaitTraining(Path archive) throws IOException, InterruptedException {
        Path runs = runArchive(archive);
        for (int i = 0; i < 1200; i++) {
            Process p = new ProcessBuilder("flock", "-n", archive + ".lock", "true").start();
            if (p.waitFor() == 0 && made(archive) && made(runs)) {
                return;
            }
            Path failed = Path.of(archive + ".failed");
            if (Files.exists(failed)) {
                fail("making the archive failed: " + Files.readString(failed));
            }
            Thread.sleep(100);
        }
        fail("no archive after 120 s: " + archive);
    }

    private static boolean made(Path archive) throws IOException {
        Path log = Path.of(archive + ".log");
        return Files.exists(archive) && Files.exists(log) && Files.size(log) == 0;
    }
}
