package dev.codeact.session;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.list.ReactiveListCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Appends to one Redis list in order, without a round trip per item: items gather for
 * {@code flushDelay}, and while one RPUSH is in flight the next ones wait for it (pooled
 * connections would otherwise be free to reorder concurrent pushes). The key's TTL is renewed at
 * most every {@code ttl / 100} (at least once a minute), not on every push. Not thread-safe: use it
 * from its session's context only.
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
    private final long flushDelayMs;
    private final long renewEveryNanos;
    private long renewedAt = Long.MIN_VALUE;
    private boolean scheduled;

    OrderedListWriter(ReactiveRedisDataSource redis, String key, Duration ttl, Duration flushDelay, Context context,
                      long alreadyPersisted, Runnable onFlushed) {
        this.flushDelayMs = flushDelay.toMillis();
        this.renewEveryNanos = Math.min(ttl.toNanos() / 100, Duration.ofMinutes(1).toNanos());
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
        if (inFlight || scheduled) {
            return;
        }
        if (flushDelayMs <= 0) {
            flush();
        } else {
            scheduled = true;
            context.owner().setTimer(flushDelayMs, t -> context.runOnContext(v -> {
                scheduled = false;
                if (!inFlight && !pending.isEmpty()) {
                    flush();
                }
            }));
        }
    }

    /** Items known to be stored in Redis. */
    long persisted() {
        return persisted;
    }

    boolean idle() {
        return !inFlight && !scheduled && pending.isEmpty();
    }

    private void flush() {
        List<String> batch = pending;
        pending = new ArrayList<>();
        inFlight = true;
        long now = System.nanoTime();
        boolean renew = renewedAt == Long.MIN_VALUE || now - renewedAt > renewEveryNanos;
        if (renew) {
            renewedAt = now;
        }
        lists.rpush(key, batch.toArray(String[]::new))
                .call(() -> renew ? keys.expire(key, ttl).onFailure().recoverWithItem(false) : Uni.createFrom().item(true))
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
