package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.it.RedisCli;
import dev.codeact.it.RedisServer;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The logs of one event loop leave in shared batches, and one that Redis refuses holds back no other. */
class LogFlusherIT {

    static RedisServer redis;
    static Vertx vertx;
    static Redis client;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, "redis://127.0.0.1:" + redis.port());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        vertx.closeAndAwait();
        redis.close();
    }

    String zcard(String key) throws Exception {
        return RedisCli.call(redis.port(), "ZCARD", key);
    }

    @Test
    void aLogRedisRefusesIsRetriedAloneAndTheOthersAreStored() throws Exception {
        RedisCli.call(redis.port(), "SET", "refused", "not a sorted set");
        Context loop = vertx.getDelegate().getOrCreateContext();
        LogFlusher flusher = new LogFlusher.Pool(client::batch, 5, false).of(loop);
        AtomicLong stored = new AtomicLong();
        loop.runOnContext(v -> {
            LogWriter good = new LogWriter(flusher, "good", Duration.ofHours(1), loop, 0, () -> stored.incrementAndGet());
            LogWriter bad = new LogWriter(flusher, "refused", Duration.ofHours(1), loop, 0, () -> { });
            for (int i = 1; i <= 50; i++) {
                // Both due in the same tick: their first ZADDs share a batch, which Redis fails.
                good.append(i, "event " + i);
                bad.append(i, "event " + i);
            }
        });
        // Redis runs each command of a pipeline on its own: the healthy ZADD is applied even when
        // the batch fails. What matters is that its writer learns it (the turn's lease, the
        // storage limit and the session's eviction depend on it).
        for (int i = 0; i < 200 && stored.get() == 0; i++) {
            Thread.sleep(25);
        }
        assertEquals(1, stored.get(), "the healthy log's writer saw its entries stored although its first batch failed");
        assertEquals("50", zcard("good"));
        assertTrue(Long.parseLong(RedisCli.call(redis.port(), "TTL", "good")) > 0, "the log's key got its TTL");
    }
}
