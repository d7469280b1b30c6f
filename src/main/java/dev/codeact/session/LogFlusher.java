package dev.codeact.session;

import dev.codeact.contract.RedisKeys;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Writes the logs of every session of one event loop together: what their {@link LogWriter}s
 * gathered leaves as one pipelined batch (one write and one read on one connection, however many
 * sessions), rather than a round trip per session per few tokens. Batches of a loop start at least
 * {@code interval} apart: an entry due on a loop that sent nothing for that long leaves on the
 * loop's next turn, so a quiet session's event waits for one round trip and no more; on a busy
 * loop entries gather until the interval is over, so batches grow with the load. While a writer's
 * batch is in flight its new entries wait for the next one, so each log's entries are stored in
 * order. A failed batch is retried (ZADD is idempotent) with backoff (100 ms doubling to 5 s);
 * meanwhile clients keep receiving events. Its writers are then sent one per batch until they
 * succeed, so one log Redis refuses (its key is not a sorted set) cannot hold back the others. On
 * Redis Cluster a batch may only touch one slot: the writers gathered then leave as one batch per
 * slot, all at once. Runs on its event loop only.
 */
final class LogFlusher {

    private static final Logger LOG = Logger.getLogger(LogFlusher.class);
    /** Commands per batch: a bigger backlog leaves in several batches, one right after the other. */
    private static final int MAX_BATCH = 512;
    static final long FIRST_RETRY_MS = 100;

    /** Sends one pipelined batch: the Redis client's {@code batch}. */
    private final Function<List<Request>, Uni<List<Response>>> batch;
    private final Context loop;
    private final long intervalNanos;
    private final boolean cluster;
    private final ArrayDeque<LogWriter> due = new ArrayDeque<>();
    /** A flush is due: on the loop's next turn, or when {@link #timer} fires. */
    private boolean scheduled;
    /** The timer of a flush scheduled later (a gather, a retry's backoff), or -1. */
    private long timer = -1;
    /** The scheduled flush is a retry's backoff, which nothing brings forward. */
    private boolean backingOff;
    /** Only the flush scheduled last runs: one scheduled earlier and replaced finds a newer generation. */
    private long generation;
    /** When (nanoTime) the last flush ran. */
    private long lastFlush;
    private long retryMs = FIRST_RETRY_MS;

    private LogFlusher(Function<List<Request>, Uni<List<Response>>> batch, Context loop, long intervalMs, boolean cluster) {
        this.batch = batch;
        this.loop = loop;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.lastFlush = System.nanoTime() - intervalNanos;
        this.cluster = cluster;
    }

    /** The flushers of a gateway, one per event loop. */
    static final class Pool {
        private final Map<Context, LogFlusher> byLoop = new ConcurrentHashMap<>();
        private final Function<List<Request>, Uni<List<Response>>> batch;
        private final long intervalMs;
        private final boolean cluster;

        /** @param cluster Redis Cluster: one batch per slot */
        Pool(Function<List<Request>, Uni<List<Response>>> batch, long intervalMs, boolean cluster) {
            this.batch = batch;
            this.intervalMs = intervalMs;
            this.cluster = cluster;
        }

        /** The flusher of the event loop that runs {@code context} (a session's context). */
        LogFlusher of(Context context) {
            Context loop = VertxContext.getRootContext(context);
            return byLoop.computeIfAbsent(loop, l -> new LogFlusher(batch, l, intervalMs, cluster));
        }
    }

    /** {@code writer} has entries to write: they leave with the next batch. */
    void due(LogWriter writer) {
        due.addLast(writer);
        long wait = lastFlush + intervalNanos - System.nanoTime();
        schedule(wait <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
    }

    /** A flush in {@code ms} (0: on the loop's next turn), unless one is scheduled as soon or a retry backs off. */
    private void schedule(long ms) {
        if (backingOff || scheduled && (timer == -1 || ms > 0)) {
            return;
        }
        arm(ms);
    }

    private void arm(long ms) {
        long armed = ++generation;
        if (timer != -1) {
            loop.owner().cancelTimer(timer);
            timer = -1;
        }
        scheduled = true;
        if (ms <= 0) {
            loop.runOnContext(v -> flush(armed));
        } else {
            timer = loop.owner().setTimer(ms, t -> loop.runOnContext(v -> flush(armed)));
        }
    }

    private void flush(long armed) {
        if (armed != generation) {
            return;
        }
        scheduled = false;
        backingOff = false;
        timer = -1;
        lastFlush = System.nanoTime();
        // By slot on Redis Cluster (a batch may touch one slot only); else all in one batch.
        Map<Integer, List<LogWriter>> writers = new LinkedHashMap<>();
        Map<Integer, List<Request>> requests = new LinkedHashMap<>();
        int taken = 0;
        while (!due.isEmpty() && taken < MAX_BATCH) {
            LogWriter writer = due.pollFirst();
            if (writer.suspect()) {
                List<Request> alone = new ArrayList<>(2);
                if (writer.takeBatch(alone)) {
                    send(List.of(writer), alone);
                }
                continue;
            }
            int slot = cluster ? RedisKeys.slot(writer.key()) : 0;
            List<Request> into = requests.computeIfAbsent(slot, s -> new ArrayList<>());
            int before = into.size();
            if (writer.takeBatch(into)) {
                writers.computeIfAbsent(slot, s -> new ArrayList<>()).add(writer);
                taken += into.size() - before;
            }
        }
        if (!due.isEmpty()) {
            schedule(0);
        }
        writers.forEach((slot, group) -> send(group, requests.get(slot)));
    }

    private void send(List<LogWriter> writers, List<Request> requests) {
        boolean shared = writers.size() > 1;
        batch.apply(requests).subscribe().with(
                replies -> loop.runOnContext(v -> {
                    retryMs = FIRST_RETRY_MS;
                    writers.forEach(LogWriter::written);
                }),
                error -> loop.runOnContext(v -> {
                    LOG.warnf("writing %d session log(s) failed, retrying in %d ms: %s", writers.size(), retryMs,
                            error.getMessage());
                    // Every writer of the batch waits for the retry: no attempt per entry while Redis is away.
                    backingOff = true;
                    arm(retryMs);
                    retryMs = Math.min(retryMs * 2, 5000);
                    writers.forEach(writer -> writer.failed(shared));
                }));
    }
}
