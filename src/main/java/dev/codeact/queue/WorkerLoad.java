package dev.codeact.queue;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.RedisKeys;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Whether the workers have room for more work, as this gateway last saw it. Every second it adds
 * up the capacity of the live workers (each heartbeat's value: actions it runs at once plus
 * actions that may wait for it) and the actions in every job stream (an entry stays until its
 * observation is stored, so a stream's length is its work running or waiting). When the work
 * reaches the capacity, new sessions, turns and executions are refused with {@code overloaded}
 * instead of queued behind minutes of work; actions of turns already admitted still go in. The
 * figures are at most a second old: a burst in that second is admitted, and waits.
 */
@ApplicationScoped
public class WorkerLoad {

    private static final Logger LOG = Logger.getLogger(WorkerLoad.class);
    static final Duration EVERY = Duration.ofSeconds(1);
    /** Figures older than this (Redis away) refuse nothing: the storage checks speak then. */
    private static final long STALE_NANOS = EVERY.multipliedBy(5).toNanos();
    /** KEYS: a worker's heartbeat and its stream (one slot). Its capacity (or nil: not alive) and the stream's length. */
    private static final String WORKER = "return {redis.call('GET', KEYS[1]), redis.call('XLEN', KEYS[2])}";

    /** What one look found; capacity 0 means no live worker said how much it takes. */
    record Snapshot(long capacity, long work, int workers, long atNanos) {
        static final Snapshot NONE = new Snapshot(0, 0, 0, Long.MIN_VALUE / 2);

        boolean full(long nowNanos) {
            return capacity > 0 && work >= capacity && nowNanos - atNanos < STALE_NANOS;
        }
    }

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final Vertx vertx;
    private final AtomicBoolean looking = new AtomicBoolean();
    private volatile Snapshot last = Snapshot.NONE;
    private long timer = -1;

    public WorkerLoad(ReactiveRedisDataSource redis, RedisKeys keys, Vertx vertx, MeterRegistry meters) {
        this.redis = redis;
        this.keys = keys;
        this.vertx = vertx;
        Gauge.builder("codeact.gateway.workers.capacity", this, l -> l.last.capacity())
                .description("Actions the live workers run or let wait, as this gateway last saw it").register(meters);
        Gauge.builder("codeact.gateway.workers.work", this, l -> l.last.work())
                .description("Actions running or waiting in the job streams, as this gateway last saw it").register(meters);
    }

    public void start() {
        timer = vertx.setPeriodic(0, EVERY.toMillis(), t -> look());
    }

    public void stop() {
        vertx.cancelTimer(timer);
    }

    /** @throws ProtocolException {@code overloaded} while every live worker's places are taken */
    public void requireRoom() throws ProtocolException {
        Snapshot now = last;
        if (now.full(System.nanoTime())) {
            throw new ProtocolException(ErrorCode.OVERLOADED, "the workers are full (" + now.work() + " actions running or "
                    + "waiting for " + now.capacity() + " places on " + now.workers() + " worker(s)); try again shortly");
        }
    }

    private void look() {
        if (!looking.compareAndSet(false, true)) {
            return; // the last look has not answered yet
        }
        redis.set(String.class).smembers(keys.workers())
                .flatMap(this::measure)
                .eventually(() -> looking.set(false))
                .subscribe().with(s -> last = s, e -> LOG.debugf("cannot read the workers' load: %s", e.getMessage()));
    }

    private Uni<Snapshot> measure(Set<String> workers) {
        long at = System.nanoTime();
        List<Uni<long[]>> parts = new ArrayList<>();
        for (String worker : workers) {
            parts.add(redis.execute(Command.EVAL, WORKER, "2", keys.heartbeat(worker), keys.workerJobs(worker))
                    .map(r -> new long[] {capacity(worker, r.get(0)), r.get(1).toLong(), r.get(0) == null ? 0 : 1}));
        }
        for (String shared : keys.jobStreams()) {
            parts.add(redis.stream(String.class).xlen(shared).map(n -> new long[] {0, n, 0}));
        }
        if (parts.isEmpty()) {
            return Uni.createFrom().item(new Snapshot(0, 0, 0, at));
        }
        return Uni.join().all(parts).andFailFast().map(all -> {
            long capacity = 0;
            long work = 0;
            int live = 0;
            for (long[] part : all) {
                capacity += part[0];
                work += part[1];
                live += (int) part[2];
            }
            return new Snapshot(capacity, work, live, at);
        });
    }

    /** A live worker's capacity; a value that is not a positive count adds none (the figures are Redis's, not ours). */
    private static long capacity(String worker, Response value) {
        if (value == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(value.toString());
            return n > 0 ? n : 0;
        } catch (NumberFormatException e) {
            LOG.debugf("worker %s's heartbeat holds no capacity (%s)", worker, value);
            return 0;
        }
    }
}
