package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Live output leaves at most once per interval, merged and in order, and all of it before whatever ends the action. */
class ChunkThrottleTest {

    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final List<OutputGuard.Part> sent = new CopyOnWriteArrayList<>();
    final CountDownLatch timerSent = new CountDownLatch(1);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    ChunkThrottle throttle(long intervalMs) {
        return new ChunkThrottle(timers, TimeUnit.MILLISECONDS.toNanos(intervalMs), sent::add, timerSent::countDown);
    }

    static OutputGuard.Part part(String stream, String text) {
        return new OutputGuard.Part(stream, text);
    }

    @Test
    void theFirstOutputLeavesAtOnceAndWhatFollowsWithinTheIntervalWaits() {
        // An hour: nothing but a flush sends the waiting text during this test.
        ChunkThrottle throttle = throttle(3_600_000);
        throttle.offer("stdout", "a");
        assertEquals(List.of(part("stdout", "a")), sent);
        throttle.offer("stdout", "b");
        throttle.offer("stdout", "c");
        throttle.offer("stderr", "d");
        throttle.offer("stdout", "e");
        assertEquals(1, sent.size(), "within the interval, nothing more leaves");
        throttle.flush();
        assertEquals(List.of(part("stdout", "a"), part("stdout", "bc"), part("stderr", "d"), part("stdout", "e")), sent,
                "adjacent text of one stream merged, the order kept");
        throttle.flush();
        assertEquals(4, sent.size(), "a flush with nothing waiting sends nothing");
    }

    @Test
    void textThatWaitedLeavesWhenTheIntervalHasPassed() throws Exception {
        ChunkThrottle throttle = throttle(30);
        throttle.offer("stdout", "first");
        throttle.offer("stdout", "second");
        assertTrue(timerSent.await(60, TimeUnit.SECONDS), "the timer sends what waited");
        assertEquals(List.of(part("stdout", "first"), part("stdout", "second")), sent);
    }

    @Test
    void withNoIntervalEveryOfferLeavesAtOnce() {
        ChunkThrottle throttle = throttle(0);
        for (int i = 0; i < 5; i++) {
            throttle.offer("stdout", Integer.toString(i));
        }
        assertEquals(5, sent.size());
    }
}
