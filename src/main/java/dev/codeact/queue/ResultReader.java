package dev.codeact.queue;

import dev.codeact.config.InstanceId;
import dev.codeact.config.QueueConfig;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.Result;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The one blocking reader of this gateway's result stream (not one per session). Blocking here
 * means a pending XREAD on a Redis connection; no thread waits for it.
 */
@ApplicationScoped
public class ResultReader {

    private final ReactiveRedisDataSource redis;
    private final QueueConfig config;
    private final Vertx vertx;
    private final String key;
    private volatile StreamTail<Result> tail;
    private LongConsumer onOutage = seconds -> { };

    public ResultReader(ReactiveRedisDataSource redis, RedisKeys keys, InstanceId instance, QueueConfig config, Vertx vertx) {
        this.redis = redis;
        this.config = config;
        this.vertx = vertx;
        this.key = keys.results(instance.get());
    }

    public String stream() {
        return key;
    }

    /** Starts reading; entries that are not valid results are logged and skipped. */
    public void start(Consumer<Result> sink) {
        tail = new StreamTail<>(redis, key, config, vertx, Result.class, sink).reportingOutagesAfter(config.retryWindow(), onOutage);
        tail.start();
    }

    /**
     * Called (on an event loop) about once a second while reads have failed for longer than the
     * retry window. Set before {@link #start}.
     */
    public void onOutage(LongConsumer outage) {
        this.onOutage = outage;
    }

    /** Why the last read failed; null while reads succeed. */
    public String failure() {
        StreamTail<Result> reading = tail;
        return reading == null ? "not reading" : reading.failure();
    }

    public void stop() {
        StreamTail<Result> reading = tail;
        if (reading != null) {
            reading.stop();
        }
    }
}
