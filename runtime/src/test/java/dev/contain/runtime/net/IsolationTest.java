package dev.contain.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.contain.runtime.kernel.NetlinkException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of the isolation rules: reading libnftables's listing, and its error messages. */
class IsolationTest {
    private static final String META = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"json_schema_version\": 1}}, ";

    @Test
    void theBridgesOfASetListingAreRead() throws Exception {
        assertEquals(List.of("contain0", "net-ab"), Isolation.elements(META
                + "{\"set\": {\"family\": \"inet\", \"name\": \"bridges\", \"table\": \"contain\", \"type\": \"ifname\", \"handle\": 1, \"elem\": [\"contain0\", \"net-ab\"]}}]}"));
        assertEquals(List.of("a\"b"), Isolation.elements(META + "{\"set\": {\"name\": \"bridges\", \"elem\": [\"a\\\"b\"]}}]}"));
    }

    @Test
    void anEmptySetHasNoElemAndAnythingElseIsAnError() throws Exception {
        assertEquals(List.of(), Isolation.elements(META + "{\"set\": {\"family\": \"inet\", \"name\": \"bridges\", \"type\": \"ifname\", \"handle\": 1}}]}"));
        NetlinkException e = assertThrows(NetlinkException.class, () -> Isolation.elements(META.replace(", ", "") + "]}"));
        assertEquals(true, e.getMessage().startsWith("unexpected listing of set bridges: "), e.getMessage());
    }

    @Test
    void theCommentsOfAChainListingAreReadInOrder() {
        String chain = META + "{\"chain\": {\"name\": \"forward\"}}, {\"rule\": {\"handle\": 4, \"comment\": \"contain: a\", \"expr\": []}}, "
                + "{\"rule\": {\"handle\": 5, \"comment\": \"contain: \\\"b\\\"\", \"expr\": [{\"drop\": null}]}}]}";
        assertEquals(List.of("contain: a", "contain: \"b\""), Isolation.strings(chain, "\"comment\""));
        assertEquals(List.of(), Isolation.strings(META + "]}", "\"comment\""));
    }

    @Test
    void namesAreQuotedForJson() {
        assertEquals("\"net-ab\"", Isolation.quote("net-ab"));
        assertEquals("\"a\\\"b\\\\c\\u0001\"", Isolation.quote("a\"b\\c\u0001"));
    }
}
