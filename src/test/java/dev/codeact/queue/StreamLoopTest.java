package dev.codeact.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.redis.datasource.stream.StreamMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The read loop alone: reads are scripted Unis standing in for Redis' replies. */
class StreamLoopTest {

    final Vertx vertx = Vertx.vertx();
    final List<String> delivered = new CopyOnWriteArrayList<>();
    final Deque<Supplier<Uni<List<StreamMessage<String, String, String>>>>> replies = new ArrayDeque<>();
    final CompletableFuture<Void> drained = new CompletableFuture<>();

    @AfterEach
    void close() {
        vertx.close();
    }

    StreamLoop loop() {
        return new StreamLoop("s", vertx, () -> {
            Supplier<Uni<List<StreamMessage<String, String, String>>>> next;
            synchronized (replies) {
                next = replies.poll();
            }
            if (next == null) {
                drained.complete(null);
                return Uni.createFrom().nothing(); // a read that blocks for ever, as XREAD BLOCK 0 would
            }
            return next.get();
        }, messages -> messages.forEach(m -> delivered.add(m.payload().get("p"))));
    }

    static Supplier<Uni<List<StreamMessage<String, String, String>>>> entries(String... payloads) {
        List<StreamMessage<String, String, String>> out = new ArrayList<>();
        for (String p : payloads) {
            out.add(new StreamMessage<>("s", "1-" + out.size(), Map.of("p", p)));
        }
        return () -> Uni.createFrom().item(out);
    }

    static Supplier<Uni<List<StreamMessage<String, String, String>>>> failure(String message) {
        return () -> Uni.createFrom().failure(new RuntimeException(message));
    }

    @Test
    void entriesOfEveryReadAreDeliveredInOrderAndAnEmptyReadIsNotAnError() throws Exception {
        replies.add(entries("a", "b"));
        replies.add(() -> Uni.createFrom().nullItem());
        replies.add(entries("c"));
        StreamLoop loop = loop();
        loop.start();
        drained.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("a", "b", "c"), delivered);
        assertNull(loop.failure());
    }

    @Test
    void aFailedReadIsRepairedThenRetriedAndTheFailureIsShownUntilAReadSucceeds() throws Exception {
        replies.add(failure("NOGROUP no such key"));
        replies.add(entries("a"));
        CompletableFuture<String> repaired = new CompletableFuture<>();
        StreamLoop loop = loop().repairingWith(e -> {
            repaired.complete(e.getMessage());
            return Uni.createFrom().voidItem();
        });
        loop.start();
        assertEquals("NOGROUP no such key", repaired.get(5, TimeUnit.SECONDS));
        drained.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("a"), delivered);
        assertNull(loop.failure());
    }

    @Test
    void readsFailingLongerThanTheWindowAreReportedAsAnOutage() throws Exception {
        for (int i = 0; i < 3; i++) {
            replies.add(failure("connection refused"));
        }
        CompletableFuture<Long> outage = new CompletableFuture<>();
        StreamLoop loop = loop().reportingOutagesAfter(Duration.ofMillis(1), outage::complete);
        loop.start();
        assertTrue(outage.get(10, TimeUnit.SECONDS) >= 0);
        assertEquals("connection refused", loop.failure());
    }

    @Test
    void aReaderThatWantsNothingNowIsNotReadAndAStoppedLoopSaysSo() {
        StreamLoop idle = new StreamLoop("s", vertx, () -> null, messages -> { });
        idle.start();
        assertNull(idle.failure());
        idle.stop();
        assertEquals("not reading", idle.failure());
    }
}
