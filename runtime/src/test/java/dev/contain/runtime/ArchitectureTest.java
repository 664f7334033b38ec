package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The walls between the runtime's packages, read from its sources (comments left out): imports run one way.
 * engine/ sits on top of the layers below it; the CLI uses the engine's API; only kernel/ touches native code;
 * the kernel is handed in from the top. Each exception is listed here with its reason.
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/contain/runtime");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.contain\\.runtime\\.([a-z]+)\\b");

    /** The layers engine/ is built on: none of them may name engine/ or a front end (cli/, oci/). */
    private static final Set<String> BELOW_ENGINE =
            Set.of("base", "json", "kernel", "state", "ids", "image", "cgroup", "net", "security", "plan", "init", "stage");

    /**
     * What a plan is made from (ids, images, cgroups, networks, security policy, the state folder): none of it names
     * the plan, the stages that carry it out, the init's channel or each other, but for the vocabulary below it
     * (base/, json/, kernel/), the state folder and the image store (ids/ makes its views of the store's layers).
     */
    private static final Set<String> PLAN_INPUTS = Set.of("ids", "image", "cgroup", "net", "security", "state");
    private static final Set<String> PLAN_INPUTS_MAY_USE = Set.of("base", "json", "kernel", "state", "image");

    /** The bottom: the kernel interface, the shared vocabulary and the JSON codec name no other package of the runtime. */
    private static final Set<String> BOTTOM = Set.of("base", "json", "kernel");

    /**
     * What the CLI may name besides its own package and the engine: base/ (the error, progress, signal and
     * configuration types the engine's API takes and throws) and state/ (the records of a container the engine's
     * API hands back for ps, wait and stop: Exit, ContainerState.Phase) and json/ (the codec its JSON output is written with).
     */
    private static final Set<String> CLI_MAY_USE = Set.of("cli", "engine", "base", "state", "json");

    /** File (relative to the runtime package) -> packages it may name beyond its layer's rule, and why. */
    private static final Map<String, Set<String>> EXCEPTIONS = Map.of(
            // the one place that picks the real kernel (Main.kernel()); everything else is handed it
            "cli/Main.java", Set.of("kernel"),
            // contain's runc-compatible commands drive the OCI runtime, which sits on the engine beside the CLI
            "cli/OciCommand.java", Set.of("oci"),
            "cli/OciExecCommand.java", Set.of("oci"));

    /** In oci/ (the OCI front end) only this class drives the engine; the rest of oci/ plans, below it. */
    private static final Set<String> OCI_ENGINE_USERS = Set.of("oci/OciRuntime.java");

    @Test
    void importsRunOneWay() throws IOException {
        List<String> violations = violations(SOURCES);
        assertEquals(List.of(), violations, "imports that break the walls between the runtime's packages (see ArchitectureTest)");
    }

    @Test
    void theRulesSeeEveryPackage() throws IOException {
        List<Path> files = javaFiles(SOURCES);
        assertTrue(files.size() > 150, "the runtime's sources were not found from " + Path.of("").toAbsolutePath());
        for (Path f : files) {
            String pkg = packageOf(SOURCES, f);
            assertTrue(BELOW_ENGINE.contains(pkg) || Set.of("engine", "cli", "oci").contains(pkg),
                    "package " + pkg + " (" + f + ") has no place in the layers: add it to ArchitectureTest");
        }
    }

    /** The checks catch what they are for: a source tree with one break of each rule fails each. */
    @Test
    void eachRuleCatchesItsBreak(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path root = tmp.resolve("dev/contain/runtime");
        write(root, "plan/Bad.java", "package dev.contain.runtime.plan;\nimport dev.contain.runtime.engine.Engine;\nclass Bad {}\n");
        write(root, "net/Native.java", "package dev.contain.runtime.net;\nimport com.sun.jna.Native;\nclass Native {}\n");
        write(root, "cli/Run.java", "package dev.contain.runtime.cli;\nclass Run { Object o = new dev.contain.runtime.stage.Run(); }\n");
        write(root, "image/Store.java", "package dev.contain.runtime.image;\nclass Store { Object k = dev.contain.runtime.kernel.LinuxKernel.INSTANCE; }\n");
        write(root, "oci/OciMounts.java", "package dev.contain.runtime.oci;\nimport dev.contain.runtime.engine.Progress;\nclass OciMounts {}\n");
        write(root, "ids/Plans.java", "package dev.contain.runtime.ids;\nimport dev.contain.runtime.plan.InitOp;\nclass Plans {}\n");
        write(root, "image/Ids.java", "package dev.contain.runtime.image;\nimport dev.contain.runtime.ids.IdLayers;\nclass Ids {}\n");
        write(root, "kernel/Up.java", "package dev.contain.runtime.kernel;\nimport dev.contain.runtime.base.ContainerError;\nclass Up {}\n");
        write(root, "state/Fine.java", "package dev.contain.runtime.state;\n/** Not a break: {@link dev.contain.runtime.engine.Engine} in a comment. */\n"
                + "class Fine { String s = \"// not a comment\"; }\n");
        List<String> found = violations(root);
        assertEquals(8, found.size(), String.join("\n", found));
        assertTrue(found.get(0).startsWith("cli/Run.java:2: the CLI names stage/"), found.get(0));
        assertTrue(found.get(1).startsWith("ids/Plans.java:2: ids/ is what a plan is made from but names plan/"), found.get(1));
        assertTrue(found.get(2).startsWith("image/Ids.java:2: image/ is what a plan is made from but names ids/"), found.get(2));
        assertTrue(found.get(3).startsWith("image/Store.java:2: LinuxKernel.INSTANCE"), found.get(3));
        assertTrue(found.get(4).startsWith("kernel/Up.java:2: kernel/ is the bottom layer but names base/"), found.get(4));
        assertTrue(found.get(5).startsWith("net/Native.java:2: JNA"), found.get(5));
        assertTrue(found.get(6).startsWith("oci/OciMounts.java:2: names engine/"), found.get(6));
        assertTrue(found.get(7).startsWith("plan/Bad.java:2: plan/ is below engine/ but names engine/"), found.get(7));
    }

    private static List<String> violations(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path f : javaFiles(root)) {
            String rel = root.relativize(f).toString();
            String pkg = packageOf(root, f);
            Set<String> allowed = EXCEPTIONS.getOrDefault(rel, Set.of());
            String[] lines = code(Files.readString(f)).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                String at = rel + ":" + (i + 1) + ": ";
                if (line.contains("com.sun.jna") && !pkg.equals("kernel")) {
                    out.add(at + "JNA outside kernel/ (only the kernel interface touches native code)");
                }
                if (line.contains("LinuxKernel.INSTANCE") && !rel.equals("cli/Main.java") && !rel.equals("kernel/LinuxKernel.java")) {
                    out.add(at + "LinuxKernel.INSTANCE outside cli/Main (the kernel is handed in from the top)");
                }
                Matcher m = REFERENCE.matcher(line);
                while (m.find()) {
                    String named = m.group(1);
                    if (named.equals(pkg) || allowed.contains(named)) {
                        continue;
                    }
                    if (BOTTOM.contains(pkg)) {
                        out.add(at + pkg + "/ is the bottom layer but names " + named + "/");
                    } else if (BELOW_ENGINE.contains(pkg) && Set.of("engine", "cli", "oci").contains(named)) {
                        out.add(at + pkg + "/ is below engine/ but names " + named + "/");
                    } else if (PLAN_INPUTS.contains(pkg) && !PLAN_INPUTS_MAY_USE.contains(named)) {
                        out.add(at + pkg + "/ is what a plan is made from but names " + named + "/");
                    } else if (pkg.equals("cli") && !CLI_MAY_USE.contains(named)) {
                        out.add(at + "the CLI names " + named + "/ (it uses the engine's API only)");
                    } else if (pkg.equals("oci") && named.equals("engine") && !OCI_ENGINE_USERS.contains(rel)) {
                        out.add(at + "names engine/ (in oci/ only OciRuntime drives the engine)");
                    } else if (pkg.equals("oci") && named.equals("cli")) {
                        out.add(at + "names cli/ (the CLI uses oci/, not the other way)");
                    }
                }
            }
        }
        return out;
    }

    private static List<Path> javaFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String packageOf(Path root, Path file) {
        return root.relativize(file).getName(0).toString();
    }

    /** The source with its comments blanked (line breaks kept, so line numbers hold); strings and chars kept. */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (int j = i; j < end; j++) {
                    if (source.charAt(j) == '\n') {
                        out.append('\n');
                    }
                }
                i = end;
            } else if (c == '"' || c == '\'') {
                boolean block = c == '"' && source.startsWith("\"\"\"", i);
                String close = block ? "\"\"\"" : String.valueOf(c);
                int j = i + close.length();
                while (j < n && !source.startsWith(close, j)) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(n, j + close.length());
                out.append(source, i, j);
                i = j;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void write(Path root, String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
