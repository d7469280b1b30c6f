package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InterruptThenKillTest {

    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final List<String> done = new CopyOnWriteArrayList<>();
    final AtomicBoolean ended = new AtomicBoolean();
    final CountDownLatch killedLatch = new CountDownLatch(1);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    InterruptThenKill stopping(long graceMs) {
        return new InterruptThenKill(timers, graceMs, () -> done.add("interrupt"), () -> {
            done.add("kill");
            killedLatch.countDown();
        }, ended::get);
    }

    /** Waits until the timer thread ran everything scheduled up to now plus {@code ms}. */
    void after(long ms) throws Exception {
        timers.schedule(() -> { }, ms, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
    }

    @Test
    void anActionThatIgnoresTheInterruptIsKilledAfterTheGrace() throws Exception {
        InterruptThenKill stopping = stopping(20);
        stopping.start();
        assertEquals(List.of("interrupt"), done, "the interrupt comes first, at once");
        assertTrue(killedLatch.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("interrupt", "kill"), done);
        assertTrue(stopping.killed());
    }

    @Test
    void anActionThatEndsWithinTheGraceIsNotKilled() throws Exception {
        InterruptThenKill stopping = stopping(20);
        stopping.start();
        ended.set(true);
        stopping.disarm();
        after(40);
        assertEquals(List.of("interrupt"), done);
        assertFalse(stopping.killed());
    }

    @Test
    void anEndNoticedOnlyByTheTimerStillPreventsTheKill() throws Exception {
        InterruptThenKill stopping = stopping(20);
        stopping.start();
        ended.set(true);
        after(40);
        assertEquals(List.of("interrupt"), done);
    }

    @Test
    void aSecondStopAndAStopAfterTheEndDoNothing() throws Exception {
        InterruptThenKill stopping = stopping(10_000);
        stopping.start();
        stopping.start();
        assertEquals(List.of("interrupt"), done, "timeout and cancel together interrupt once");
        InterruptThenKill late = stopping(10);
        ended.set(true);
        late.start();
        after(30);
        assertEquals(List.of("interrupt"), done);
    }
}
