package dev.contain.runtime.base;

/** What a run tells its user as it goes: the lab's progress lines, and with --trace each stage's duration. */
public interface Progress {
    Progress SILENT = new Progress() {
        @Override public void info(String line) {}
        @Override public void warn(String line) {}
        @Override public void stageDone(String stage, long nanos) {}
    };

    void info(String line);

    /** Printed even with -q: something the user must know (a skipped limit, a kill, a leftover). */
    void warn(String line);

    void stageDone(String stage, long nanos);

    /** Shown with --trace: how a stage did its work, where that matters for its time (a copy instead of an idmap). */
    default void trace(String line) {}
}
