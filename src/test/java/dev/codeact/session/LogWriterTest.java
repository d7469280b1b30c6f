package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.RedisKeys;
import dev.codeact.testing.RedisBatches;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The log writer's state machine, with the flusher's pipelined batches answered by the test
 * (LogFlusherIT runs them against a real redis-server).
 */
class LogWriterTest {

    final TestLoop testLoop = new TestLoop();
    final Context loop = testLoop.context;
    final RedisBatches redis = new RedisBatches();
    final LogFlusher flusher = new LogFlusher.Pool(redis, 1, false).of(loop);

    @AfterEach
    void close() {
        testLoop.close();
    }

    <T> T on(Supplier<T> action) throws Exception {
        return testLoop.on(action);
    }

    LogWriter writer(String key, AtomicLong storedCalls) throws Exception {
        return on(() -> new LogWriter(flusher, key, Duration.ofHours(1), loop, 0, storedCalls::incrementAndGet));
    }

    void append(LogWriter writer, long from, long to) throws Exception {
        on(() -> {
            for (long i = from; i <= to; i++) {
                writer.append(i, "entry " + i);
            }
            return null;
        });
    }

    void awaitStored(LogWriter writer, long number) throws Exception {
        for (int i = 0; i < 500 && on(writer::stored) < number; i++) {
            Thread.sleep(10);
        }
        assertEquals(number, on(writer::stored));
    }

    @Test
    void aFailedWriteGoesAgainWithTheSameNumbersAndCountsAsStoredOnlyOnceItSucceeds() throws Exception {
        AtomicLong storedCalls = new AtomicLong();
        LogWriter log = writer("log", storedCalls);
        append(log, 1, 3);
        RedisBatches.Sent first = redis.next();
        assertEquals(List.of("ZADD", "log", "1", "entry 1", "2", "entry 2", "3", "entry 3"), first.named("ZADD").get(0));
        assertEquals(1, first.named("EXPIRE").size(), "the key's TTL is set with its first write");
        first.reply().completeExceptionally(new RuntimeException("connection reset"));
        RedisBatches.Sent retry = redis.next();
        assertEquals(first.named("ZADD"), retry.named("ZADD"), "the same entries with the same numbers");
        assertEquals(0L, on(log::stored));
        retry.reply().complete(List.of());
        awaitStored(log, 3);
        assertEquals(1, storedCalls.get());
    }

    @Test
    void entriesAppendedWhileAWriteIsInFlightLeaveAfterItInOrder() throws Exception {
        LogWriter log = writer("log", new AtomicLong());
        append(log, 1, 2);
        RedisBatches.Sent first = redis.next();
        append(log, 3, 4);
        assertTrue(redis.quietFor(50), "no second write of a log while its first is in flight");
        first.reply().complete(List.of());
        RedisBatches.Sent second = redis.next();
        assertEquals(List.of("ZADD", "log", "3", "entry 3", "4", "entry 4"), second.named("ZADD").get(0));
        second.reply().complete(List.of());
        awaitStored(log, 4);
    }

    /** On Redis Cluster a batch touches one slot: logs of two sessions leave in two batches, logs of one slot in one. */
    @Test
    void onAClusterTheLogsGoOneBatchPerSlot() throws Exception {
        LogFlusher clustered = new LogFlusher.Pool(redis, 1, true).of(loop);
        List<String> keys = List.of("codeact:{s1}:events", "codeact:{s1}:history", "codeact:{s2}:events");
        assertEquals(RedisKeys.slot(keys.get(0)), RedisKeys.slot(keys.get(1)));
        assertTrue(RedisKeys.slot(keys.get(0)) != RedisKeys.slot(keys.get(2)), "two sessions, two slots");
        List<LogWriter> logs = new java.util.ArrayList<>();
        for (String key : keys) {
            logs.add(on(() -> new LogWriter(clustered, key, Duration.ofHours(1), loop, 0, () -> { })));
        }
        on(() -> {
            logs.forEach(log -> log.append(1, "e"));
            return null;
        });
        RedisBatches.Sent first = redis.next();
        RedisBatches.Sent second = redis.next();
        java.util.Set<java.util.Set<String>> batches = new java.util.HashSet<>();
        for (RedisBatches.Sent sent : List.of(first, second)) {
            java.util.Set<String> touched = new java.util.TreeSet<>();
            sent.named("ZADD").forEach(zadd -> touched.add(zadd.get(1)));
            batches.add(touched);
            assertEquals(1, touched.stream().map(RedisKeys::slot).distinct().count(), "one slot per batch: " + touched);
            sent.reply().complete(List.of());
        }
        assertEquals(java.util.Set.of(java.util.Set.of(keys.get(0), keys.get(1)), java.util.Set.of(keys.get(2))), batches);
        for (LogWriter log : logs) {
            awaitStored(log, 1);
        }
    }

    @Test
    void afterASharedBatchFailsEachOfItsLogsGoesAloneUntilItSucceeds() throws Exception {
        LogWriter a = writer("a", new AtomicLong());
        LogWriter b = writer("b", new AtomicLong());
        on(() -> {
            a.append(1, "a 1");
            b.append(1, "b 1");
            return null;
        });
        RedisBatches.Sent shared = redis.next();
        assertEquals(2, shared.named("ZADD").size(), "both logs in one batch");
        shared.reply().completeExceptionally(new RuntimeException("WRONGTYPE"));
        RedisBatches.Sent one = redis.next();
        RedisBatches.Sent other = redis.next();
        assertEquals(1, one.named("ZADD").size());
        assertEquals(1, other.named("ZADD").size());
        one.reply().complete(List.of());
        other.reply().complete(List.of());
        awaitStored(a, 1);
        awaitStored(b, 1);
    }
}
