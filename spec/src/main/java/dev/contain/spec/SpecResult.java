package dev.contain.spec;

import java.util.List;

/** What parsing a spec gives: the spec when it is valid, otherwise every problem found. */
public record SpecResult(ContainerSpec spec, List<Problem> problems) {
    public boolean valid() {
        return problems.isEmpty();
    }
}
