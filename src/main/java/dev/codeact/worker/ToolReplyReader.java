package dev.codeact.worker;

import dev.codeact.config.QueueConfig;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.ToolReply;
import dev.codeact.queue.StreamLoop;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XReadArgs;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Reads this worker's tool-reply stream (the gateways' answers to its jobs' tool calls) and hands
 * each answer over. Like the gateway's result stream: one pending XREAD, no consumer group (one reader).
 */
final class ToolReplyReader {

    private static final Logger LOG = Logger.getLogger(ToolReplyReader.class);

    private final ReactiveRedisDataSource redis;
    private final String key;
    private final StreamLoop loop;
    private String lastId = "0-0";

    ToolReplyReader(ReactiveRedisDataSource redis, String key, QueueConfig config, Vertx vertx, Consumer<ToolReply> sink) {
        this.redis = redis;
        this.key = key;
        ReactiveStreamCommands<String, String, String> streams = redis.stream(String.class);
        this.loop = new StreamLoop(key, vertx,
                () -> streams.xread(key, lastId, new XReadArgs().block(config.blockTimeout()).count(config.batch())),
                messages -> deliver(messages, sink));
    }

    /** Answers left from an earlier run of a worker of this id are for jobs it no longer runs: the stream starts empty. */
    void start() {
        redis.key().del(key).subscribe().with(n -> loop.start(), e -> loop.start());
    }

    void stop() {
        loop.stop();
    }

    String failure() {
        return loop.failure();
    }

    private void deliver(List<StreamMessage<String, String, String>> messages, Consumer<ToolReply> sink) {
        for (StreamMessage<String, String, String> m : messages) {
            lastId = m.id();
            try {
                sink.accept(QueueCodec.decode(m.payload().get(QueueCodec.FIELD), ToolReply.class));
            } catch (IllegalArgumentException e) {
                LOG.warnf("skipping bad tool reply %s on %s: %s", m.id(), key, e.getMessage());
            }
        }
    }
}
