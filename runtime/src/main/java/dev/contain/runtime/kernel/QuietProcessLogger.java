package dev.contain.runtime.kernel;

import java.lang.invoke.MethodHandles;
import java.util.ResourceBundle;

/**
 * Since JDK 21 every {@code ProcessBuilder.start} first asks the platform logger whether to log the start. The
 * first such question sets up logging, which scans the class path for logger providers and so opens this jar:
 * reading its central directory (4,000 entries, interpreted) costs ~30 ms of CPU, and a run starts its init
 * through ProcessBuilder (on a thread of its own while the run plans, which then waited ~8 ms for it). Giving
 * ProcessBuilder a logger that is never on costs ~1 ms and changes nothing: that logger logs only at DEBUG,
 * which only a java.util.logging configuration of the JVM's user could turn on, and contain's launcher passes
 * none. A VarHandle (Field.set: ~4 ms, its accessor is built from method handles), opened to this jar by the
 * launcher's {@code --add-opens java.base/java.lang} (JDK 25 path only): on any other JDK, or if the field is
 * gone, this does nothing and ProcessBuilder asks its logger as before, only slower. Called before each
 * ProcessBuilder a container's start or signal may use: the init's, the OCI hooks', ProcessSignals'.
 */
public final class QuietProcessLogger implements System.Logger {
    private QuietProcessLogger() {}

    private static volatile boolean tried;

    /** Gives ProcessBuilder the quiet logger, once, unless it has one already. */
    public static void install() {
        if (tried) {
            return;
        }
        tried = true;
        try {
            MethodHandles.privateLookupIn(ProcessBuilder.class, MethodHandles.lookup())
                    .findStaticVarHandle(ProcessBuilder.class, "LOGGER", System.Logger.class)
                    .compareAndSet((System.Logger) null, (System.Logger) new QuietProcessLogger());
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not this JDK's field, or not opened to us: the JDK's own logger, as without this
        }
    }

    @Override
    public String getName() {
        return "java.lang.ProcessBuilder";
    }

    @Override
    public boolean isLoggable(Level level) {
        return false;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {}

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {}
}
