package dev.contain.runtime.base;

import java.util.List;
import java.util.Locale;

/** Signal numbers of x86_64/aarch64 Linux, by name: for kill, stop signals (the image's), and messages. */
public final class Signals {
    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGTERM = 15;
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
            "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");
    private static final int RTMIN = 34, RTMAX = 64;

    private Signals() {}

    /** "SIGTERM" for 15; "signal 40" for a number with no name. */
    public static String name(int signal) {
        return signal > 0 && signal < NAMES.size() ? "SIG" + NAMES.get(signal) : "signal " + signal;
    }

    /** The number of a signal given as kill takes it (KILL, SIGKILL, sigkill, 9, RTMIN+3), or -1. */
    public static int parse(String text) {
        String s = text.toUpperCase(Locale.ROOT);
        if (s.matches("[0-9]{1,2}")) {
            int n = Integer.parseInt(s);
            return n >= 1 && n <= RTMAX ? n : -1;
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        switch (s) {
            case "IOT": return 6;
            case "CLD": return 17;
            case "POLL": return 29;
            case "RTMIN": return RTMIN;
            case "RTMAX": return RTMAX;
            default: break;
        }
        int i = NAMES.indexOf(s);
        if (i > 0) {
            return i;
        }
        try {
            if (s.startsWith("RTMIN+")) {
                int n = RTMIN + Integer.parseInt(s.substring(6));
                return n <= RTMAX ? n : -1;
            }
            if (s.startsWith("RTMAX-")) {
                int n = RTMAX - Integer.parseInt(s.substring(6));
                return n >= RTMIN ? n : -1;
            }
        } catch (NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
