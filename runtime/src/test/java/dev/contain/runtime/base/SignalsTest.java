package dev.contain.runtime.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** One parser for kill -s, contain-oci kill and an image's StopSignal: every name kill(1) takes. */
class SignalsTest {
    @Test
    void namesNumbersAndRealtimeSignalsParse() {
        assertEquals(15, Signals.parse("TERM"));
        assertEquals(15, Signals.parse("sigterm"));
        assertEquals(28, Signals.parse("SIGWINCH"), "httpd's StopSignal");
        assertEquals(17, Signals.parse("CHLD"));
        assertEquals(17, Signals.parse("CLD"));
        assertEquals(9, Signals.parse("9"));
        assertEquals(37, Signals.parse("RTMIN+3"));
        assertEquals(62, Signals.parse("SIGRTMAX-2"));
        assertEquals(-1, Signals.parse("0"));
        assertEquals(-1, Signals.parse("65"));
        assertEquals(-1, Signals.parse("RTMIN+40"));
        assertEquals(-1, Signals.parse("RTMIN+x"));
        assertEquals(-1, Signals.parse("NOPE"));
    }

    @Test
    void everyNamedSignalNamesBackToItself() {
        for (int n = 1; n <= 31; n++) {
            assertEquals(n, Signals.parse(Signals.name(n)));
        }
        assertEquals("SIGWINCH", Signals.name(28));
        assertEquals("signal 40", Signals.name(40));
    }
}
