package dev.codeact.session;

import io.vertx.core.Context;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends numbered entries (1, 2, 3 …, with rare gaps) to one Redis sorted set, scored by their
 * number, without a round trip per entry: entries gather until their event loop's
 * {@link LogFlusher} sends them, with other sessions' entries, as one ZADD in a pipelined batch;
 * while one ZADD is in flight the next entries wait for it. ZADD is idempotent, so a write retried
 * after a lost reply (Redis restarted, connection cut) cannot store an entry twice or shift the
 * numbering, which a list's RPUSH would. Entries must be unique strings (callers put their number
 * in them). The key's TTL is renewed at most every {@code ttl / 100} (at least once a minute). Not
 * thread-safe: use it from its session's context only (its flusher runs on the same event loop).
 */
final class LogWriter {

    private final LogFlusher flusher;
    private final String key;
    private final Duration ttl;
    private final Context context;
    private final Runnable onStored;
    private final long renewEveryNanos;
    private Map<String, Long> pending = new LinkedHashMap<>();
    /** The entries of the ZADD in flight, or null. */
    private Map<String, Long> inFlight;
    /** Handed to the flusher, which has not taken the entries yet. */
    private boolean queued;
    private long stored;
    private long renewedAt = Long.MIN_VALUE;
    /** Its last write failed in a batch with other logs: it goes alone until one succeeds. */
    private boolean suspect;
    /** When (nanoTime) its writes began to fail; 0 while they succeed. */
    private long failingSince;

    /** The sorted set it writes (one key, so one Cluster slot). */
    String key() {
        return key;
    }

    LogWriter(LogFlusher flusher, String key, Duration ttl, Context context, long alreadyStored, Runnable onStored) {
        this.flusher = flusher;
        this.key = key;
        this.ttl = ttl;
        this.renewEveryNanos = Math.min(ttl.toNanos() / 100, Duration.ofMinutes(1).toNanos());
        this.context = context;
        this.stored = alreadyStored;
        this.onStored = onStored;
    }

    /** Appends entry {@code number}; numbers must increase (a gap is allowed: see events_lost). */
    void append(long number, String entry) {
        pending.put(entry, number);
        if (!queued && inFlight == null) {
            queued = true;
            flusher.due(this);
        }
    }

    /** Every entry numbered up to this is stored in Redis (batches are stored in order). */
    long stored() {
        return stored;
    }

    boolean idle() {
        return !queued && inFlight == null && pending.isEmpty();
    }

    /** Called by the flusher: adds this log's ZADD (and EXPIRE when due) to {@code batch}; false if none. */
    boolean takeBatch(List<Request> batch) {
        queued = false;
        if (pending.isEmpty() || inFlight != null) {
            return false;
        }
        inFlight = pending;
        pending = new LinkedHashMap<>();
        Request zadd = Request.cmd(Command.ZADD).arg(key);
        inFlight.forEach((entry, number) -> zadd.arg(number).arg(entry));
        batch.add(zadd);
        long now = System.nanoTime();
        if (renewedAt == Long.MIN_VALUE || now - renewedAt > renewEveryNanos) {
            renewedAt = now;
            batch.add(Request.cmd(Command.EXPIRE).arg(key).arg(ttl.toSeconds()));
        }
        return true;
    }

    /** How long its writes have been failing (Redis away, or refusing writes: MISCONF, OOM, READONLY); 0 while they succeed. */
    long failingNanos() {
        return failingSince == 0 ? 0 : System.nanoTime() - failingSince;
    }

    boolean suspect() {
        return suspect;
    }

    /** Called by the flusher once the batch holding this log's ZADD is stored. */
    void written() {
        context.runOnContext(v -> {
            suspect = false;
            failingSince = 0;
            stored = Math.max(stored, inFlight.values().stream().mapToLong(Long::longValue).max().orElse(0));
            inFlight = null;
            onStored.run();
            if (!pending.isEmpty() && !queued) {
                queued = true;
                flusher.due(this);
            }
        });
    }

    /**
     * Called by the flusher when that batch failed ({@code shared}: with other logs' writes): its
     * entries go again with the next (harmless if they were stored after all).
     */
    void failed(boolean shared) {
        context.runOnContext(v -> {
            suspect |= shared;
            if (failingSince == 0) {
                failingSince = System.nanoTime();
            }
            inFlight.putAll(pending);
            pending = inFlight;
            inFlight = null;
            renewedAt = Long.MIN_VALUE;
            if (!queued) {
                queued = true;
                flusher.due(this);
            }
        });
    }
}
