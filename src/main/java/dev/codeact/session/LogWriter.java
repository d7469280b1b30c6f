package dev.codeact.session;

import dev.codeact.queue.LogTag;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Appends numbered entries (1, 2, 3 …, with rare gaps) to one Redis sorted set, scored by their number, without a
 * round trip per entry: entries gather for {@code flushDelay}, and while one ZADD is in flight the
 * next ones wait for it. ZADD is idempotent, so a write retried after a lost reply (Redis
 * restarted, connection cut) cannot store an entry twice or shift the numbering, which a list's
 * RPUSH would. Entries must be unique strings (callers put their number in them). The key's TTL is
 * renewed at most every {@code ttl / 100} (at least once a minute). Not thread-safe: use it from
 * its session's context only.
 */
final class LogWriter {

    private static final Logger LOG = Logger.getLogger(LogWriter.class);

    private final ReactiveSortedSetCommands<String, String> sets;
    private final ReactiveKeyCommands<String> keys;
    private final String key;
    private final Duration ttl;
    private final Context context;
    private final Runnable onStored;
    private final long flushDelayMs;
    private final long renewEveryNanos;
    private Map<String, Double> pending = new LinkedHashMap<>();
    private boolean inFlight;
    /** A flush is due on a timer: the gathering delay, or the backoff after a failure. */
    private boolean scheduled;
    private long stored;
    private long retryDelayMs = 100;
    private long renewedAt = Long.MIN_VALUE;

    LogWriter(ReactiveRedisDataSource redis, String key, Duration ttl, Duration flushDelay, Context context,
              long alreadyStored, Runnable onStored) {
        this.sets = redis.sortedSet(String.class);
        this.keys = redis.key();
        this.key = key;
        this.ttl = ttl;
        this.flushDelayMs = flushDelay.toMillis();
        this.renewEveryNanos = Math.min(ttl.toNanos() / 100, Duration.ofMinutes(1).toNanos());
        this.context = context;
        this.stored = alreadyStored;
        this.onStored = onStored;
    }

    /** Appends entry {@code number}; numbers must increase (a gap is allowed: see events_lost). */
    void append(long number, String entry) {
        pending.put(entry, (double) number);
        if (inFlight || scheduled) {
            return;
        }
        if (flushDelayMs <= 0) {
            flush();
        } else {
            flushIn(flushDelayMs);
        }
    }

    private void flushIn(long delayMs) {
        scheduled = true;
        context.owner().setTimer(delayMs, t -> context.runOnContext(v -> {
            scheduled = false;
            if (!inFlight && !pending.isEmpty()) {
                flush();
            }
        }));
    }

    /** Every entry numbered up to this is stored in Redis (batches are stored in order). */
    long stored() {
        return stored;
    }

    /**
     * Numbers up to {@code number} will never be written (a gap): they count as stored. Only
     * when nothing below them waits to be written, which is the case right after a load.
     */
    void skipTo(long number) {
        if (idle() && stored < number) {
            stored = number;
        }
    }

    boolean idle() {
        return !inFlight && !scheduled && pending.isEmpty();
    }

    private void flush() {
        Map<String, Double> batch = pending;
        pending = new LinkedHashMap<>();
        inFlight = true;
        long now = System.nanoTime();
        boolean renew = renewedAt == Long.MIN_VALUE || now - renewedAt > renewEveryNanos;
        if (renew) {
            renewedAt = now;
        }
        sets.zadd(key, batch)
                .call(() -> renew ? keys.expire(key, ttl).onFailure().recoverWithItem(false) : Uni.createFrom().item(true))
                .subscribe().with(
                        n -> context.runOnContext(v -> {
                            stored = Math.max(stored, batch.values().stream().mapToLong(Double::longValue).max().orElse(0));
                            retryDelayMs = 100;
                            inFlight = false;
                            onStored.run();
                            if (!pending.isEmpty()) {
                                flush();
                            }
                        }),
                        error -> context.runOnContext(v -> {
                            // Kept in memory and retried (harmless if it was stored after all).
                            LOG.warnf("writing %s failed, retrying in %d ms: %s", LogTag.key(key), retryDelayMs, error.getMessage());
                            batch.putAll(pending);
                            pending = batch;
                            inFlight = false;
                            // New entries wait for this retry: no attempt per entry while Redis is away.
                            flushIn(retryDelayMs);
                            retryDelayMs = Math.min(retryDelayMs * 2, 5000);
                        }));
    }
}
