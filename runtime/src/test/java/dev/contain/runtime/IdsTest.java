package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.ids.IdMap;
import dev.contain.runtime.ids.IdMaps;
import dev.contain.runtime.ids.IdPool;
import dev.contain.runtime.ids.IdRange;
import dev.contain.runtime.ids.IdRanges;
import dev.contain.runtime.ids.IdmapSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Id pools, the range allocator and its state file, the maps: files in a temp folder, no root needed. */
class IdsTest {
    @TempDir
    Path tmp;

    private Path etc(String passwd, String subuid, String subgid) throws IOException {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), passwd);
        Files.writeString(etc.resolve("group"), "root:x:0:\n");
        if (subuid != null) Files.writeString(etc.resolve("subuid"), subuid);
        if (subgid != null) Files.writeString(etc.resolve("subgid"), subgid);
        return etc;
    }

    @Test
    void theContainersEntryOfSubuidIsThePoolWhenThereIsOne() throws IOException {
        Path etc = etc("root:x:0:0::/root:/bin/sh\n", "alice:100000:65536\ncontainers:2000000:262144\n", "containers:3000000:131072\n");
        IdPool pool = IdPool.choose("auto", etc);
        assertEquals(2, pool.slots(), "as many ranges as both files give");
        assertEquals(new IdRange(2000000, 3000000, 65536), pool.slot(0));
        assertEquals(new IdRange(2065536, 3065536, 65536), pool.slot(1));
        assertEquals(IdPool.choose("subuid", etc), pool);
    }

    @Test
    void withoutOneTheBuiltInPoolSkipsIdsThatBelongToOthers() throws Exception {
        // alice's subordinate ids hold the first built-in range, and a user has uid 200000 in the second
        Path etc = etc("root:x:0:0::/root:/bin/sh\nbob:x:200000:100::/home/bob:/bin/sh\n", "alice:100000:65536\n", null);
        IdPool pool = IdPool.choose("auto", etc);
        assertTrue(pool.describe().startsWith("built-in 100000+"), pool.describe());
        assertTrue(pool.refused(pool.slot(0)), "alice's subuid range");
        assertTrue(pool.refused(pool.slot(1)), "bob's uid");
        assertFalse(pool.refused(pool.slot(2)));
        IdRanges ranges = new IdRanges(tmp.resolve("run"));
        assertEquals(pool.slot(2), ranges.acquire("web", pool));
    }

    @Test
    void aSubuidPoolAskedForByNameMustExist() throws IOException {
        Path etc = etc("", null, null);
        IOException e = assertThrows(IOException.class, () -> IdPool.choose("subuid", etc));
        assertTrue(e.getMessage().startsWith("no 'containers' entry in both " + etc.resolve("subuid")), e.getMessage());
        assertThrows(IOException.class, () -> IdPool.choose("sideways", etc));
        assertTrue(IdPool.choose("builtin", etc).describe().startsWith("built-in"));
    }

    @Test
    void rangesAreDisjointAndComeBack() throws Exception {
        IdPool pool = IdPool.choose("builtin", etc("", null, null));
        IdRanges ranges = new IdRanges(tmp.resolve("run"));
        assertEquals(pool.slot(0), ranges.peek(pool).orElseThrow(), "a dry run's answer");
        IdRange a = ranges.acquire("a", pool);
        IdRange b = ranges.acquire("b", pool);
        assertFalse(a.overlaps(b));
        assertEquals(a, ranges.acquire("a", pool), "asked again (a retried stage), the same range");
        assertEquals(Map.of("a", a, "b", b), ranges.held());
        ranges.release("a");
        assertEquals(a, ranges.acquire("c", pool), "a's range went back to the pool");
        ranges.releaseIf(name -> name.equals("b"));
        assertEquals(Map.of("c", a), ranges.held());
        try (var claims = Files.list(tmp.resolve("run/.ids"))) {
            assertEquals(List.of(".lock", "c@100000-100000-65536"), claims.map(p -> p.getFileName().toString()).sorted().toList(),
                    "one claim file per holder, named by it and its range");
        }
    }

    @Test
    void aFullPoolIsAClearError() throws Exception {
        Path etc = etc("", "containers:100000:65536\n", "containers:100000:65536\n");
        IdPool pool = IdPool.choose("auto", etc);
        IdRanges ranges = new IdRanges(tmp.resolve("run"));
        ranges.acquire("a", pool);
        ContainerError e = assertThrows(ContainerError.class, () -> ranges.acquire("b", pool));
        assertEquals("b: userns: no free id range left in the pool (subuid containers 100000+65536): 1 containers hold one; "
                + "stop one, run 'contain gc', or give the pool more ids", e.userMessage());
    }

    @Test
    void mapsResolveIdsBothWays() {
        IdMaps maps = new IdMaps(List.of(new IdMap(0, 100000, 65536)), List.of(new IdMap(0, 300000, 65536)));
        assertEquals(100000, maps.hostUid(0));
        assertEquals(300033, maps.hostGid(33));
        assertEquals(-1, maps.hostUid(65536));
        assertEquals(5, maps.containerUid(100005));
        assertFalse(maps.identity());
        assertTrue(new IdMaps(List.of(new IdMap(0, 0, 65536)), List.of(new IdMap(0, 0, 65536))).identity());
        assertTrue(maps.key().startsWith("maps-"), "uids and gids apart: a digest");
        assertEquals("100000", new IdMaps(List.of(new IdMap(0, 100000, 65536)), List.of(new IdMap(0, 100000, 65536))).key());
    }

    @Test
    void idmapSupportFollowsTheKernelAndTheFilesystem() {
        String mountinfo = "22 1 8:1 / / rw - ext4 /dev/vda rw\n30 22 0:40 / /srv/nfs rw - nfs4 host:/x rw\n"
                + "31 22 0:41 / /tmp rw - tmpfs tmpfs rw\n";
        IdmapSupport now = new IdmapSupport("6.18.44-fc", mountinfo);
        assertTrue(now.check(Path.of("/var/lib/contain/images/busybox/rootfs")).idmap());
        assertEquals(new IdmapSupport.Answer(false, "nfs4 cannot be idmapped here"), now.check(Path.of("/srv/nfs/layer")));
        assertTrue(now.check(Path.of("/tmp/layer")).idmap(), "tmpfs, from 6.3");
        assertFalse(new IdmapSupport("6.1.0", mountinfo).check(Path.of("/tmp/layer")).idmap());
        assertFalse(new IdmapSupport("5.15.0-91-generic", mountinfo).check(Path.of("/var/x")).idmap(), "overlayfs takes idmapped layers from 5.19");
    }
}
