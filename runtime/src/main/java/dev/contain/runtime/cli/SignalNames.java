package dev.contain.runtime.cli;

import java.util.List;
import java.util.Locale;

/** Linux signal names (x86_64 and aarch64 numbering), as kill takes them: KILL, SIGKILL, 9, RTMIN+3. */
final class SignalNames {
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
            "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");
    private static final int RTMIN = 34, RTMAX = 64;

    private SignalNames() {}

    /** The number, or -1. */
    static int parse(String text) {
        String s = text.toUpperCase(Locale.ROOT);
        if (s.matches("[0-9]{1,2}")) {
            int n = Integer.parseInt(s);
            return n >= 1 && n <= RTMAX ? n : -1;
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        if (s.equals("IOT")) return 6;
        if (s.equals("CLD")) return 17;
        if (s.equals("POLL")) return 29;
        int i = NAMES.indexOf(s);
        if (i > 0) {
            return i;
        }
        if (s.equals("RTMIN")) return RTMIN;
        if (s.equals("RTMAX")) return RTMAX;
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
