package dev.contain.runtime;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.engine.Engine;
import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.engine.RunOptions;
import dev.contain.runtime.engine.RunResult;
import dev.contain.runtime.plan.Plan;
import dev.contain.spec.SpecParser;
import dev.contain.spec.SpecResult;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code contain run} with a plan a test adjusts before it runs, in a JVM of its own like the CLI (the
 * container takes this process's stdin and stdout): {@code DATA_ROOT RUN_ROOT SPEC CLASS#METHOD [ARG...]},
 * where METHOD is {@code static Plan m(Plan plan, List<String> args)}. Prints what the CLI prints without -q.
 */
public final class PlanRunner {
    private PlanRunner() {}

    public static void main(String[] args) throws Exception {
        Engine engine = new Engine(EngineConfig.of(Path.of(args[0]), Path.of(args[1])), dev.contain.runtime.kernel.LinuxKernel.INSTANCE);
        SpecResult spec = SpecParser.parseFile(Path.of(args[2]));
        if (!spec.valid()) {
            spec.problems().forEach(System.err::println);
            System.exit(1);
        }
        String[] target = args[3].split("#");
        Method adjust = Class.forName(target[0]).getDeclaredMethod(target[1], Plan.class, List.class);
        adjust.setAccessible(true);
        int code;
        try {
            Plan plan = (Plan) adjust.invoke(null, engine.plan(spec.spec(), RunOptions.DEFAULT), List.of(args).subList(4, args.length));
            RunResult result = engine.run(plan, new Progress() {
                @Override public void info(String line) { System.err.println(line); }
                @Override public void warn(String line) { System.err.println(line); }
                @Override public void stageDone(String stage, long nanos) {}
            }, run -> {});
            code = result.engineExitCode();
        } catch (ContainerError e) {
            System.err.println("contain: " + e.userMessage());
            code = e.exitCode();
        }
        System.exit(code);
    }
}
