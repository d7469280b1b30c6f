package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.jboss.logging.Logger;

/**
 * One XREADGROUP loop on one job stream. It asks for no more entries than the worker has free
 * slots, and rests while there are none ({@link #poll} is called again when a slot frees up).
 */
final class JobReader {

    private static final Logger LOG = Logger.getLogger(JobReader.class);

    private final ReactiveStreamCommands<String, String, String> streams;
    private final String stream;
    private final String consumer;
    private final Duration block;
    private final int batch;
    private final IntSupplier freeSlots;
    private final Consumer<StreamMessage<String, String, String>> sink;
    private final Vertx vertx;
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile boolean running = true;
    /** Why the last read failed; null while reads succeed. */
    private volatile String failure;

    JobReader(ReactiveStreamCommands<String, String, String> streams, String stream, String consumer, Duration block,
              int batch, IntSupplier freeSlots, Consumer<StreamMessage<String, String, String>> sink, Vertx vertx) {
        this.streams = streams;
        this.stream = stream;
        this.consumer = consumer;
        this.block = block;
        this.batch = batch;
        this.freeSlots = freeSlots;
        this.sink = sink;
        this.vertx = vertx;
    }

    String stream() {
        return stream;
    }

    String failure() {
        return failure;
    }

    void stop() {
        running = false;
    }

    void poll() {
        int room = Math.min(batch, freeSlots.getAsInt());
        if (!running || room <= 0 || !reading.compareAndSet(false, true)) {
            return;
        }
        streams.xreadgroup(RedisKeys.WORKER_GROUP, consumer, stream, ">", new XReadGroupArgs().count(room).block(block))
                .subscribe().with(messages -> {
                    reading.set(false);
                    failure = null;
                    // After stop the entries stay pending under this consumer: the next owner claims them.
                    if (messages != null && running) {
                        messages.forEach(sink);
                    }
                    poll();
                }, error -> {
                    reading.set(false);
                    failure = error.getMessage();
                    if (!running) {
                        return;
                    }
                    if (String.valueOf(error.getMessage()).contains("NOGROUP")) {
                        // The stream or its group is gone (a peer that took this worker over removed it,
                        // or Redis lost it): make them again and go on.
                        LOG.warnf("%s has no consumer group any more: creating it again", stream);
                        ensureGroup().subscribe().with(v -> poll(), e -> vertx.setTimer(1000, t -> poll()));
                        return;
                    }
                    LOG.warnf("reading %s failed, retrying in 1 s: %s", stream, error.getMessage());
                    vertx.setTimer(1000, t -> poll());
                });
    }

    /** Creates the stream and its consumer group unless they exist. */
    Uni<Void> ensureGroup() {
        return streams.xgroupCreate(stream, RedisKeys.WORKER_GROUP, "0", new XGroupCreateArgs().mkstream())
                .onFailure(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")).recoverWithNull();
    }
}
