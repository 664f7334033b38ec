package dev.contain.runtime.plan;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The init's plan encoding read back (see {@link Plan.PlanWriter}): entries of key and fields, for inspect and exec. */
public final class PlanEntries {
    private PlanEntries() {}

    /** Each entry as its key followed by its fields. */
    public static List<List<String>> decode(byte[] plan) {
        List<String> tokens = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < plan.length; i++) {
            if (plan[i] == 0) {
                tokens.add(new String(plan, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        List<List<String>> entries = new ArrayList<>();
        for (int i = 0; i + 1 < tokens.size(); ) {
            int n = Integer.parseInt(tokens.get(i + 1));
            List<String> entry = new ArrayList<>(tokens.subList(i, Math.min(tokens.size(), i + 2 + n)));
            entry.remove(1);
            entries.add(entry);
            i += 2 + n;
        }
        return entries;
    }
}
