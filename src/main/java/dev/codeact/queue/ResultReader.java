package dev.codeact.queue;

import dev.codeact.config.InstanceId;
import dev.codeact.config.QueueConfig;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.Result;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XReadArgs;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.jboss.logging.Logger;

/**
 * The one blocking reader of this gateway's result stream (not one per session). Blocking here
 * means a pending XREAD on a Redis connection; no thread waits for it.
 */
@ApplicationScoped
public class ResultReader {

    private static final Logger LOG = Logger.getLogger(ResultReader.class);

    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final QueueConfig config;
    private final Vertx vertx;
    private final String key;
    private volatile StreamLoop loop;
    private String lastId = "0-0";
    private LongConsumer onOutage = seconds -> { };

    public ResultReader(ReactiveRedisDataSource redis, RedisKeys keys, InstanceId instance, QueueConfig config, Vertx vertx) {
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.config = config;
        this.vertx = vertx;
        this.key = keys.results(instance.get());
    }

    public String stream() {
        return key;
    }

    /** Starts reading; entries that are not valid results are logged and skipped. */
    public void start(Consumer<Result> sink) {
        StreamLoop reading = new StreamLoop(key, vertx,
                () -> streams.xread(key, lastId, new XReadArgs().block(config.blockTimeout()).count(config.batch())),
                messages -> deliver(messages, sink))
                .reportingOutagesAfter(config.retryWindow(), onOutage);
        loop = reading;
        // A configured instance id may have left entries of an earlier run: they address sessions
        // this process no longer runs, so the stream starts empty.
        redis.key().del(key).subscribe().with(n -> reading.start(), e -> reading.start());
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
        StreamLoop reading = loop;
        return reading == null ? "not reading" : reading.failure();
    }

    public void stop() {
        StreamLoop reading = loop;
        if (reading != null) {
            reading.stop();
        }
    }

    private void deliver(List<StreamMessage<String, String, String>> messages, Consumer<Result> sink) {
        for (StreamMessage<String, String, String> m : messages) {
            lastId = m.id();
            try {
                sink.accept(QueueCodec.decode(m.payload().get(QueueCodec.FIELD), Result.class));
            } catch (IllegalArgumentException e) {
                LOG.warnf("skipping bad result entry %s on %s: %s", m.id(), key, e.getMessage());
            }
        }
    }
}
