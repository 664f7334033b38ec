package dev.contain.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** libnftables' error text as the user sees it (moved here from IsolationTest with the class). */
class LibnftablesTest {
    @Test
    void libnftablesErrorsAreCutToTheirMessagesOnce() {
        String errors = "internal:0:0-0: Error: Could not process rule: No such file or directory\n\n"
                + "internal:0:0-0: Error: Could not process rule: No such file or directory\n"
                + "internal:0:0-0: Error: datatype mismatch, expected network interface name\n";
        assertEquals("Could not process rule: No such file or directory; datatype mismatch, expected network interface name",
                Libnftables.message(errors));
        assertEquals("nftables refused the commands", Libnftables.message(""));
        assertEquals("nftables refused the commands: odd", Libnftables.message("odd\n"));
    }
}
