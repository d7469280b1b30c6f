package dev.codeact.queue;

import dev.codeact.config.QueueConfig;
import dev.codeact.contract.QueueCodec;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XReadArgs;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.jboss.logging.Logger;

/**
 * The one reader of a stream that belongs to one process (a gateway's results, a worker's tool
 * replies): no consumer group, one pending XREAD from the last entry read, each entry decoded as a
 * versioned payload ({@link QueueCodec}); an entry that does not decode is logged and skipped.
 */
public final class StreamTail<T> {

    private static final Logger LOG = Logger.getLogger(StreamTail.class);

    private final ReactiveRedisDataSource redis;
    private final String key;
    private final StreamLoop loop;
    private String lastId = "0-0";

    public StreamTail(ReactiveRedisDataSource redis, String key, QueueConfig config, Vertx vertx, Class<T> type, Consumer<T> sink) {
        this.redis = redis;
        this.key = key;
        ReactiveStreamCommands<String, String, String> streams = redis.stream(String.class);
        this.loop = new StreamLoop(key, vertx,
                () -> streams.xread(key, lastId, new XReadArgs().block(config.blockTimeout()).count(config.batch())),
                messages -> deliver(messages, type, sink));
    }

    /** See {@link StreamLoop#reportingOutagesAfter}. */
    public StreamTail<T> reportingOutagesAfter(Duration after, LongConsumer outage) {
        loop.reportingOutagesAfter(after, outage);
        return this;
    }

    public String key() {
        return key;
    }

    /**
     * Entries left from an earlier run of a process of the same instance id address work this
     * process no longer has: the stream starts empty.
     */
    public void start() {
        redis.key().del(key).subscribe().with(n -> loop.start(), e -> loop.start());
    }

    public void stop() {
        loop.stop();
    }

    /** Why the last read failed, or "not reading"; null while reads succeed. */
    public String failure() {
        return loop.failure();
    }

    private void deliver(List<StreamMessage<String, String, String>> messages, Class<T> type, Consumer<T> sink) {
        for (StreamMessage<String, String, String> m : messages) {
            lastId = m.id();
            try {
                sink.accept(QueueCodec.decode(m.payload().get(QueueCodec.FIELD), type));
            } catch (IllegalArgumentException e) {
                LOG.warnf("skipping bad entry %s on %s: %s", m.id(), key, e.getMessage());
            }
        }
    }
}
