package dev.codeact.queue;

import dev.codeact.config.QueueConfig;
import dev.codeact.contract.QueueCodec;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XReadArgs;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.jboss.logging.Logger;

/**
 * The one reader of a stream that belongs to one process (a gateway's results, a worker's tool
 * replies): no consumer group, one pending XREAD from the last entry read, each entry decoded as a
 * versioned payload ({@link QueueCodec}); an entry that does not decode is logged and skipped. A
 * batch holding large entries (an observation with megabytes of figures) is decoded on a worker
 * thread, not on the event loop, and handed over in order on the loop once decoded; the next read
 * waits for it.
 */
public final class StreamTail<T> {

    private static final Logger LOG = Logger.getLogger(StreamTail.class);

    private final ReactiveRedisDataSource redis;
    private final String key;
    private final StreamLoop loop;
    private final Vertx vertx;
    private String lastId = "0-0";
    /** A large batch is being decoded off the loop: no read starts meanwhile, so entries keep their order. */
    private volatile boolean decoding;
    /** Characters of payload in one batch above which it is decoded on a worker thread (Jackson reads a few hundred MB/s). */
    static final int DECODE_OFF_LOOP_CHARS = 256 * 1024;

    public StreamTail(ReactiveRedisDataSource redis, String key, QueueConfig config, Vertx vertx, Class<T> type, Consumer<T> sink) {
        this.redis = redis;
        this.key = key;
        ReactiveStreamCommands<String, String, String> streams = redis.stream(String.class);
        this.vertx = vertx;
        this.loop = new StreamLoop(key, vertx,
                () -> decoding ? null : streams.xread(key, lastId, new XReadArgs().block(config.blockTimeout()).count(config.batch())),
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
        if (messages.isEmpty()) {
            return;
        }
        lastId = messages.get(messages.size() - 1).id();
        long chars = messages.stream().mapToLong(m -> {
            String payload = m.payload().get(QueueCodec.FIELD);
            return payload == null ? 0 : payload.length();
        }).sum();
        if (chars < DECODE_OFF_LOOP_CHARS) {
            decode(messages, type).forEach(sink);
            return;
        }
        decoding = true;
        vertx.executeBlocking(() -> decode(messages, type), true).onComplete(decoded -> {
            decoding = false;
            if (decoded.succeeded()) {
                decoded.result().forEach(sink);
            } else {
                LOG.warnf("could not decode a batch on %s: %s", key, decoded.cause().getMessage());
            }
            loop.poll();
        });
    }

    private List<T> decode(List<StreamMessage<String, String, String>> messages, Class<T> type) {
        List<T> decoded = new ArrayList<>(messages.size());
        for (StreamMessage<String, String, String> m : messages) {
            try {
                decoded.add(QueueCodec.decode(m.payload().get(QueueCodec.FIELD), type));
            } catch (IllegalArgumentException e) {
                LOG.warnf("skipping bad entry %s on %s: %s", m.id(), key, e.getMessage());
            }
        }
        return decoded;
    }
}
