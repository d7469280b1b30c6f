package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.testing.RedisBatches;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the flusher sends an event loop's logs: at once on a loop that sent nothing for the
 * interval, else together when the interval is over. The tests answer the batches.
 */
class LogFlusherTest {

    final TestLoop testLoop = new TestLoop();
    final Context loop = testLoop.context;
    final RedisBatches redis = new RedisBatches();

    @AfterEach
    void close() {
        testLoop.close();
    }

    <T> T on(Supplier<T> action) throws Exception {
        return testLoop.on(action);
    }

    LogWriter writer(LogFlusher flusher, String key) throws Exception {
        return on(() -> new LogWriter(flusher, key, Duration.ofHours(1), loop, 0, () -> { }));
    }

    void append(LogWriter log, long number) throws Exception {
        on(() -> {
            log.append(number, log.key() + " " + number);
            return null;
        });
    }

    final java.util.Map<String, LogWriter> logs = new java.util.HashMap<>();

    /** Log a's entry, then log b's, each in a batch of its own (b's once the interval is over); both batches unanswered. */
    RedisBatches.Sent[] oneBatchEach(LogFlusher flusher) throws Exception {
        LogWriter a = writer(flusher, "a");
        LogWriter b = writer(flusher, "b");
        logs.put("a", a);
        logs.put("b", b);
        append(a, 1);
        RedisBatches.Sent first = redis.next();
        append(b, 1);
        return new RedisBatches.Sent[] {first, redis.next()};
    }

    /** An interval of a minute would fail {@code next()}, which waits 10 s, if a quiet loop's entry waited for it. */
    @Test
    void onAQuietLoopEntriesLeaveAtOnce() throws Exception {
        LogFlusher flusher = new LogFlusher.Pool(redis, 60_000, false).of(loop);
        append(writer(flusher, "a"), 1);
        assertEquals(List.of("ZADD", "a", "1", "a 1"), redis.next().named("ZADD").get(0));
    }

    /** Two seconds: far more than a loaded machine stalls between two appends, so b and c surely gather. */
    @Test
    void withinTheIntervalTheLogsGatherAndLeaveTogetherWhenItIsOver() throws Exception {
        LogFlusher flusher = new LogFlusher.Pool(redis, 2_000, false).of(loop);
        LogWriter a = writer(flusher, "a");
        LogWriter b = writer(flusher, "b");
        LogWriter c = writer(flusher, "c");
        append(a, 1);
        RedisBatches.Sent first = redis.next();
        first.reply().complete(List.of());
        append(b, 1);
        append(c, 1);
        RedisBatches.Sent second = redis.next();
        assertEquals(List.of("b", "c"), second.named("ZADD").stream().map(zadd -> zadd.get(1)).toList());
    }

    /** A reply that does not come (a slow or stuck connection) does not hold the other logs back. */
    @Test
    void aBatchThatDoesNotComeBackHoldsNoOtherLogBack() throws Exception {
        RedisBatches.Sent[] batches = oneBatchEach(new LogFlusher.Pool(redis, 50, false).of(loop));
        RedisBatches.Sent first = batches[0];
        RedisBatches.Sent second = batches[1];
        assertEquals(List.of("ZADD", "b", "1", "b 1"), second.named("ZADD").get(0));
        assertTrue(!first.reply().isDone(), "the first batch is still unanswered");
    }

    /** A failed batch's retry keeps its backoff: a batch coming back meanwhile does not bring it forward. */
    @Test
    void aRetryWaitsForItsBackoffEvenWhenAnotherBatchComesBack() throws Exception {
        LogFlusher flusher = new LogFlusher.Pool(redis, 1, false).of(loop);
        RedisBatches.Sent[] batches = oneBatchEach(flusher);
        RedisBatches.Sent first = batches[0];
        RedisBatches.Sent second = batches[1];
        LogWriter b = logs.get("b");
        long failed = System.nanoTime();
        first.reply().completeExceptionally(new RuntimeException("connection reset"));
        second.reply().complete(List.of());
        append(b, 2);
        RedisBatches.Sent retry = redis.next();
        // A lower bound, which a loaded machine only makes easier to meet.
        assertTrue(System.nanoTime() - failed >= TimeUnit.MILLISECONDS.toNanos(LogFlusher.FIRST_RETRY_MS),
                "the retry left before its backoff");
        assertEquals("a", retry.named("ZADD").get(0).get(1), "the first batch after the failure is the retry");
    }
}
