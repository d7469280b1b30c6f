package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-principal counts behind the session and turn limits, shared by every session's event loop. */
class PrincipalCountersTest {

    final PrincipalCounters counters = new PrincipalCounters();

    @Test
    void eachPrincipalHasItsOwnShare() {
        assertTrue(counters.tryAcquire("alice", 2));
        assertTrue(counters.tryAcquire("alice", 2));
        assertFalse(counters.tryAcquire("alice", 2), "alice is at her limit");
        assertTrue(counters.tryAcquire("bob", 2), "bob is not held back by alice");
    }

    @Test
    void aReleaseFreesOnePlaceAndNeverGoesBelowNothing() {
        assertTrue(counters.tryAcquire("alice", 1));
        counters.release("alice");
        counters.release("alice"); // a second release (an already uncounted session) frees nothing more
        assertTrue(counters.tryAcquire("alice", 1));
        assertFalse(counters.tryAcquire("alice", 1), "one place, taken once");
    }

    @Test
    void racingEventLoopsNeverTakeMoreThanTheLimit() throws Exception {
        int threads = 8;
        int limit = 5;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 200; round++) {
                PrincipalCounters shared = new PrincipalCounters();
                CountDownLatch go = new CountDownLatch(1);
                AtomicInteger taken = new AtomicInteger();
                List<Future<?>> tries = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    tries.add(pool.submit(() -> {
                        go.await();
                        if (shared.tryAcquire("alice", limit)) {
                            taken.incrementAndGet();
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : tries) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertEquals(limit, taken.get(), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
