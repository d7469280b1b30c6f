package dev.codeact.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** How many of something each principal holds on this gateway (sessions, running turns). */
final class PrincipalCounters {

    private final Map<String, Integer> counts = new ConcurrentHashMap<>();

    /** Takes one unless the principal already holds {@code limit}. */
    boolean tryAcquire(String principal, int limit) {
        boolean[] taken = new boolean[1];
        counts.compute(principal, (p, n) -> {
            int held = n == null ? 0 : n;
            taken[0] = held < limit;
            return taken[0] ? held + 1 : n;
        });
        return taken[0];
    }

    void release(String principal) {
        counts.computeIfPresent(principal, (p, n) -> n <= 1 ? null : n - 1);
    }
}
