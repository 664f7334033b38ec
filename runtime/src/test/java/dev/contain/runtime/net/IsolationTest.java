package dev.contain.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.NetlinkException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The isolation rules without a kernel: reading libnftables's listing and its error messages, and the batches
 * sent through the kernel's nftables (a double that answers only that and records what it was sent).
 */
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

    /** A kernel whose nftables answers with {@code answer} (a listing, or "" for a change) and records each batch. */
    private static Kernel nftables(List<String> batches, UnaryOperator<String> answer) {
        return (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class}, (proxy, method, args) -> {
            if (!method.getName().equals("nftables")) {
                throw new UnsupportedOperationException(method.getName() + ": this double answers nftables only");
            }
            batches.add((String) args[0]);
            String out = answer.apply((String) args[0]);
            if (out == null) {
                throw new NetlinkException("No such file or directory"); // libnftables on a table that is not there
            }
            return out;
        });
    }

    @Test
    void theFirstBridgeMakesTableSetsChainAndRulesInOneBatch() throws Exception {
        List<String> batches = new ArrayList<>();
        new Isolation(nftables(batches, batch -> batch.contains("{\"list\"") ? null : "")).add(List.of("contain0"));
        assertEquals(2, batches.size(), "the chain listed (no table yet), then one batch: " + batches);
        String made = batches.get(1);
        for (String part : List.of("{\"add\":{\"table\":{\"family\":\"inet\",\"name\":\"contain\"}}}",
                "\"name\":\"bridges\",\"type\":\"ifname\"", "\"hook\":\"forward\"", "{\"flush\":{\"chain\"",
                "\"comment\":\"contain: between two of contain's bridges\"", "\"elem\":[\"contain0\"]")) {
            assertTrue(made.contains(part), part + " in " + made);
        }
        assertEquals(4, made.split("\\{\"add\":\\{\"rule\"", -1).length - 1, "the four rules: " + made);
    }

    @Test
    void aLaterBridgeOnlyAddsItsElementsWhenTheRulesAreInPlace() throws Exception {
        List<String> batches = new ArrayList<>();
        StringBuilder chain = new StringBuilder(META + "{\"chain\": {\"name\": \"forward\"}}");
        for (String comment : List.of("contain: within one bridge (seen here only with br_netfilter)",
                "contain: between two of contain's bridges", "contain: into a bridge: replies to its containers' own connections",
                "contain: into a bridge: nothing else")) {
            chain.append(", {\"rule\": {\"chain\": \"forward\", \"comment\": ").append(Isolation.quote(comment)).append("}}");
        }
        String listing = chain + "]}";
        new Isolation(nftables(batches, batch -> batch.contains("{\"list\"") ? listing : "")).add(List.of("net-ab"));
        assertEquals(2, batches.size(), batches.toString());
        assertTrue(!batches.get(1).contains("\"rule\"") && batches.get(1).contains("\"elem\":[\"net-ab\"]"), batches.get(1));
    }

    @Test
    void removingTheLastBridgeRemovesTheTable() throws Exception {
        List<String> batches = new ArrayList<>();
        String set = META + "{\"set\": {\"family\": \"inet\", \"name\": \"bridges\", \"elem\": [\"contain0\"]}}]}";
        new Isolation(nftables(batches, batch -> batch.contains("{\"list\"") ? set : "")).remove("contain0");
        assertEquals("{\"nftables\":[{\"delete\":{\"table\":{\"family\":\"inet\",\"name\":\"contain\"}}}]}", batches.get(1));
    }
}
