import dev.contain.runtime.base.EngineConfig;
import dev.contain.runtime.base.Progress;
import dev.contain.runtime.engine.Engine;
import dev.contain.runtime.engine.RunOptions;
import dev.contain.runtime.kernel.LinuxKernel;
import dev.contain.spec.ContainerSpec;
import dev.contain.spec.SpecParser;
import java.nio.file.Path;

/**
 * The warm path: one JVM starting containers through the library API, as a test framework or build tool
 * embedding contain would. Prints the per-container median and mean over N sequential runs, after 10 warm-up runs.
 */
public class WarmBench {
    public static void main(String[] args) throws Exception {
        Path spec = Path.of(args[0]);
        Engine engine = new Engine(EngineConfig.of(Path.of(args[1]), Path.of(args[2])), LinuxKernel.INSTANCE);
        int n = Integer.parseInt(args[3]);
        ContainerSpec s = SpecParser.parseFile(spec).spec();
        for (int i = 0; i < 10; i++) {
            run(engine, s);
        }
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            run(engine, s);
            ns[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(ns);
        long sum = 0;
        for (long v : ns) sum += v;
        System.out.printf("%.2f %.2f %.2f %.2f%n", ns[n / 2] / 1e6, sum / 1e6 / n, ns[0] / 1e6, ns[n - 1] / 1e6);
    }

    static void run(Engine engine, ContainerSpec s) throws Exception {
        int code = engine.run(s, RunOptions.DEFAULT, Progress.SILENT, r -> {}).engineExitCode();
        if (code != 0) throw new IllegalStateException("exit " + code);
    }
}
