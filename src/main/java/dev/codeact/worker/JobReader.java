package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import dev.codeact.queue.StreamLoop;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.jboss.logging.Logger;

/**
 * The worker's XREADGROUP loop on one job stream. It asks for no more entries than the worker has
 * free slots, and rests while there are none ({@link #poll} is called again when a slot frees up).
 */
final class JobReader {

    private static final Logger LOG = Logger.getLogger(JobReader.class);

    private final ReactiveStreamCommands<String, String, String> streams;
    private final String stream;
    private final StreamLoop loop;

    JobReader(ReactiveStreamCommands<String, String, String> streams, String stream, String consumer, Duration block,
              int batch, IntSupplier freeSlots, Consumer<StreamMessage<String, String, String>> sink, Vertx vertx) {
        this.streams = streams;
        this.stream = stream;
        this.loop = new StreamLoop(stream, vertx, () -> {
            int room = Math.min(batch, freeSlots.getAsInt());
            return room <= 0 ? null
                    : streams.xreadgroup(RedisKeys.WORKER_GROUP, consumer, stream, ">", new XReadGroupArgs().count(room).block(block));
            // After stop the entries stay pending under this consumer: the next owner claims them.
        }, messages -> messages.forEach(sink)).repairingWith(error -> {
            if (!String.valueOf(error.getMessage()).contains("NOGROUP")) {
                return null;
            }
            // The stream or its group is gone (a peer that took this worker over removed it, or
            // Redis lost it): make them again and go on.
            LOG.warnf("%s has no consumer group any more: creating it again", stream);
            return ensureGroup();
        });
    }

    String stream() {
        return stream;
    }

    String failure() {
        return loop.failure();
    }

    /** Starts reading (once the group exists). */
    void start() {
        loop.start();
    }

    void stop() {
        loop.stop();
    }

    void poll() {
        loop.poll();
    }

    /** Creates the stream and its consumer group unless they exist. */
    Uni<Void> ensureGroup() {
        return streams.xgroupCreate(stream, RedisKeys.WORKER_GROUP, "0", new XGroupCreateArgs().mkstream())
                .onFailure(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")).recoverWithNull();
    }
}
