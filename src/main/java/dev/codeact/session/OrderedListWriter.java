package dev.codeact.session;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.list.ReactiveListCommands;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Appends to one Redis list in order, without a round trip per item: while one RPUSH is in
 * flight, new items gather and go in the next one (pooled connections would otherwise be free to
 * reorder concurrent pushes). Not thread-safe: use it from its session's context only.
 */
final class OrderedListWriter {

    private static final Logger LOG = Logger.getLogger(OrderedListWriter.class);

    private final ReactiveListCommands<String, String> lists;
    private final ReactiveKeyCommands<String> keys;
    private final String key;
    private final Duration ttl;
    private final Context context;
    private final Runnable onFlushed;
    private List<String> pending = new ArrayList<>();
    private boolean inFlight;
    private long persisted;
    private long retryDelayMs = 100;

    OrderedListWriter(ReactiveRedisDataSource redis, String key, Duration ttl, Context context, long alreadyPersisted,
                      Runnable onFlushed) {
        this.lists = redis.list(String.class);
        this.keys = redis.key();
        this.key = key;
        this.ttl = ttl;
        this.context = context;
        this.persisted = alreadyPersisted;
        this.onFlushed = onFlushed;
    }

    void append(String value) {
        pending.add(value);
        if (!inFlight) {
            flush();
        }
    }

    /** Items known to be stored in Redis. */
    long persisted() {
        return persisted;
    }

    boolean idle() {
        return !inFlight && pending.isEmpty();
    }

    private void flush() {
        List<String> batch = pending;
        pending = new ArrayList<>();
        inFlight = true;
        lists.rpush(key, batch.toArray(String[]::new))
                .call(() -> keys.expire(key, ttl).onFailure().recoverWithItem(false))
                .subscribe().with(
                        n -> context.runOnContext(v -> {
                            persisted += batch.size();
                            retryDelayMs = 100;
                            done();
                        }),
                        error -> context.runOnContext(v -> {
                            // Kept in memory and retried: nothing already emitted may be lost.
                            LOG.warnf("writing %s failed, retrying in %d ms: %s", key, retryDelayMs, error.getMessage());
                            batch.addAll(pending);
                            pending = batch;
                            inFlight = false;
                            context.owner().setTimer(retryDelayMs, t -> {
                                if (!inFlight && !pending.isEmpty()) {
                                    flush();
                                }
                            });
                            retryDelayMs = Math.min(retryDelayMs * 2, 5000);
                        }));
    }

    private void done() {
        inFlight = false;
        onFlushed.run();
        if (!pending.isEmpty()) {
            flush();
        }
    }
}
