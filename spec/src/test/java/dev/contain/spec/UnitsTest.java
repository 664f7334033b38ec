package dev.contain.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void quantitiesUseKubernetesSuffixes() {
        assertEquals(OptionalLong.of(64L << 20), Quantity.parseBytes("64Mi"));
        assertEquals(OptionalLong.of(1_000_000_000L), Quantity.parseBytes("1G"));
        assertEquals(OptionalLong.of(1536L << 20), Quantity.parseBytes("1.5Gi"));
        assertEquals(OptionalLong.of(4096), Quantity.parseBytes("4096"));
        assertEquals(OptionalLong.of(512), Quantity.parseBytes("0.500Ki"), "trailing zeros of a fraction");
        assertEquals(OptionalLong.of(Long.MAX_VALUE), Quantity.parseBytes("9223372036854775807"));
        assertEquals(OptionalLong.empty(), Quantity.parseBytes("9223372036854775808"), "one past the largest long");
        assertEquals(OptionalLong.of(100_000), Quantity.parseBytes("100k"));
        assertEquals(OptionalLong.empty(), Quantity.parseBytes("64MB"));
        assertEquals(OptionalLong.empty(), Quantity.parseBytes("1.5"), "half a byte is not a quantity");
        assertEquals(OptionalLong.empty(), Quantity.parseBytes("-1Mi"));
        assertEquals(OptionalLong.empty(), Quantity.parseBytes("99999999Pi"), "overflow is refused, not wrapped");
        assertEquals("64Mi", Quantity.format(64L << 20));
        assertEquals("1000", Quantity.format(1000));
    }

    @Test
    void percentagesAreOfOneCpu() {
        assertEquals(Optional.of(50.0), Percent.parse("50%"));
        assertEquals(Optional.of(150.0), Percent.parse("150%"));
        assertEquals(Optional.of(12.5), Percent.parse("12.5%"));
        assertEquals(Optional.empty(), Percent.parse("50"));
        assertEquals(Optional.empty(), Percent.parse("0%"));
        assertEquals(Optional.empty(), Percent.parse("-5%"));
        assertEquals("50%", Percent.format(50.0));
    }

    @Test
    void cidrMath() {
        Cidr c = Cidr.parse("192.168.42.10/24").orElseThrow();
        assertEquals("192.168.42.0/24", c.network().toString());
        assertEquals("192.168.42.1", c.firstHost().toString());
        assertEquals("192.168.42.255", c.broadcast().toString());
        assertTrue(c.contains(Ipv4.parse("192.168.42.200").orElseThrow()));
        assertFalse(c.contains(Ipv4.parse("192.168.43.1").orElseThrow()));
        assertEquals(254, c.hostCount());
        assertEquals("10.0.0.0/8", Cidr.parse("10.1.2.3/8").orElseThrow().network().toString());
        assertFalse(c.isNetwork());
        assertTrue(c.network().isNetwork());
        assertTrue(Cidr.parse("10.0.0.0/8").orElseThrow().isNetwork());
        assertTrue(Cidr.parse("10.0.0.1/32").orElseThrow().isNetwork());
        assertTrue(Cidr.parse("0.0.0.0/0").orElseThrow().isNetwork());
        assertTrue(Cidr.parse("0.0.0.0/0").orElseThrow().contains(Ipv4.parse("8.8.8.8").orElseThrow()));
        for (String bad : List.of("192.168.42.300/24", "192.168.42.10", "192.168.42.10/33", "1.2.3/24", "01.2.3.4/8", "a.b.c.d/1", "1.2.3.4/")) {
            assertTrue(Cidr.parse(bad).isEmpty(), bad);
        }
    }

    @Test
    void suggestionsFindCloseKeysOnly() {
        assertEquals(Optional.of("memory"), Suggestions.nearest("memroy", SpecParser.RESOURCE_KEYS));
        assertEquals(Optional.of("command"), Suggestions.nearest("comand", SpecParser.TOP_KEYS));
        assertEquals(Optional.of("hostname"), Suggestions.nearest("hostnme", SpecParser.TOP_KEYS));
        assertEquals(Optional.empty(), Suggestions.nearest("banana", SpecParser.TOP_KEYS));
        assertEquals(1, Suggestions.distance("memroy", "memory"));
    }

    @Test
    void namesFollowRfc1123() {
        assertTrue(Names.isContainerName("web-1"));
        assertFalse(Names.isContainerName("Web"));
        assertFalse(Names.isContainerName("-web"));
        assertFalse(Names.isContainerName("a".repeat(64)));
        assertTrue(Names.isHostname("Web.example.com"));
        assertFalse(Names.isHostname("web_1"));
        assertFalse(Names.isHostname("a.".repeat(33) + "a"));
    }

    @Test
    void echoedValuesAreEscapedAndCut() {
        assertEquals("'a\\nb\\e\\0\\x01\\x7f\\u0085\\u202e\\\\'", Shown.quote("a\nb\u001b\0\u0001\u007f\u0085\u202e\\"));
        assertEquals("'" + "x".repeat(60) + "'", Shown.quote("x".repeat(60)));
        assertEquals("'" + "x".repeat(60) + "...' (61 characters)", Shown.quote("x".repeat(61)));
        assertEquals("'" + "\\n".repeat(30) + "...' (31 characters)", Shown.quote("\n".repeat(31)), "escapes count toward the cut");
        assertEquals("'" + "\uD83D\uDE00".repeat(60) + "...' (122 characters)", Shown.quote("\uD83D\uDE00".repeat(61)),
                "a surrogate pair is one character, never split");
        assertEquals("'\\ud800x'", Shown.quote("\ud800x"), "a lone surrogate is escaped");
        assertEquals("a\\nb\\", Shown.oneLine("a\nb\\"), "a message keeps its backslashes");
        assertEquals("\\x01", Shown.codePoint(1));
    }
}
