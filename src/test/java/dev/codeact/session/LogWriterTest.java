package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The log writer's state machine, with the flusher's pipelined batches going to a stand-in for
 * Redis that records each batch and answers it as the test says (LogFlusherIT runs them against a
 * real redis-server).
 */
class LogWriterTest {

    /** One batch the flusher sent: its commands as text, and the reply to give it. */
    record Sent(List<String> commands, CompletableFuture<List<Response>> reply) {}

    final Vertx vertx = Vertx.vertx();
    final Context loop = vertx.getOrCreateContext();
    final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    final LogFlusher flusher = new LogFlusher.Pool(requests -> {
        CompletableFuture<List<Response>> reply = new CompletableFuture<>();
        sent.add(new Sent(requests.stream().map(LogWriterTest::text).toList(), reply));
        return Uni.createFrom().completionStage(reply);
    }, 1).of(loop);

    @AfterEach
    void close() {
        vertx.close();
    }

    Sent next() throws InterruptedException {
        Sent batch = sent.poll(10, TimeUnit.SECONDS);
        assertTrue(batch != null, "a batch was sent");
        return batch;
    }

    <T> T on(Supplier<T> action) throws Exception {
        CompletableFuture<T> out = new CompletableFuture<>();
        loop.runOnContext(v -> out.complete(action.get()));
        return out.get(10, TimeUnit.SECONDS);
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

    /** A command as "ZADD key 1 entry 1 …" (the client renders requests in RESP). */
    static String text(Request request) {
        return Arrays.stream(request.getDelegate().toString().split("\r\n"))
                .filter(line -> !line.startsWith("*") && !line.startsWith("$"))
                .collect(Collectors.joining(" "))
                .replaceFirst("^\\w+", request.getDelegate().command().toString().toUpperCase());
    }

    static String zadd(Sent batch) {
        return batch.commands().stream().filter(c -> c.startsWith("ZADD")).findFirst().orElseThrow();
    }

    @Test
    void aFailedWriteGoesAgainWithTheSameNumbersAndCountsAsStoredOnlyOnceItSucceeds() throws Exception {
        AtomicLong storedCalls = new AtomicLong();
        LogWriter log = writer("log", storedCalls);
        append(log, 1, 3);
        Sent first = next();
        assertTrue(first.commands().stream().anyMatch(c -> c.startsWith("EXPIRE")), "the key's TTL is set with its first write");
        first.reply().completeExceptionally(new RuntimeException("connection reset"));
        Sent retry = next();
        assertEquals(zadd(first), zadd(retry), "the same entries with the same numbers");
        assertEquals(0L, on(log::stored));
        retry.reply().complete(List.of());
        for (int i = 0; i < 100 && on(log::stored) < 3; i++) {
            Thread.sleep(10);
        }
        assertEquals(3L, on(log::stored));
        assertEquals(1, storedCalls.get());
    }

    @Test
    void entriesAppendedWhileAWriteIsInFlightLeaveAfterItInOrder() throws Exception {
        LogWriter log = writer("log", new AtomicLong());
        append(log, 1, 2);
        Sent first = next();
        append(log, 3, 4);
        Thread.sleep(50);
        assertTrue(sent.isEmpty(), "no second write of a log while its first is in flight");
        first.reply().complete(List.of());
        Sent second = next();
        assertTrue(zadd(second).contains("entry 3") && zadd(second).contains("entry 4") && !zadd(second).contains("entry 2"),
                zadd(second));
        second.reply().complete(List.of());
        for (int i = 0; i < 100 && on(log::stored) < 4; i++) {
            Thread.sleep(10);
        }
        assertEquals(4L, on(log::stored));
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
        Sent shared = next();
        assertEquals(2, shared.commands().stream().filter(c -> c.startsWith("ZADD")).count(), "both logs in one batch");
        shared.reply().completeExceptionally(new RuntimeException("WRONGTYPE"));
        Sent one = next();
        Sent other = next();
        assertEquals(1, one.commands().stream().filter(c -> c.startsWith("ZADD")).count());
        assertEquals(1, other.commands().stream().filter(c -> c.startsWith("ZADD")).count());
        one.reply().complete(List.of());
        other.reply().complete(List.of());
        for (int i = 0; i < 100 && (on(a::stored) < 1 || on(b::stored) < 1); i++) {
            Thread.sleep(10);
        }
        assertEquals(1L, on(a::stored));
        assertEquals(1L, on(b::stored));
    }
}
