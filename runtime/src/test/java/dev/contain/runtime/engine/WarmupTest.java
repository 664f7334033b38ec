package dev.contain.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.cgroup.CgroupLayout;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The warm-up's one kept result: the cgroup layout a run's plan takes instead of reading it again. */
class WarmupTest {
    @Test
    void theRunTakesTheLayoutTheWarmUpReadOnce() throws Exception {
        Warmup.start();
        Optional<CgroupLayout> read = Warmup.takeCgroupLayout();
        assertTrue(read.isPresent(), "the warm-up's layout");
        assertEquals(CgroupLayout.detect(), read.get(), "what the process's own read gives");
        assertTrue(Warmup.takeCgroupLayout().isEmpty(), "taken once: a later plan reads it again (a run may have mounted since)");
        Warmup.start();
        assertTrue(Warmup.takeCgroupLayout().isPresent(), "each warm-up reads it anew");
    }
}
