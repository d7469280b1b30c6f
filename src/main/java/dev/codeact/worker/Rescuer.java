package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XPendingArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Announces this worker (a heartbeat key with a TTL, and membership of the worker set) and takes
 * over the jobs of workers whose heartbeat expired: the entries still unacknowledged or unread
 * on their own stream, and the ones they had taken from the shared stream. One worker takes over
 * a dead worker at a time (a lock key), so a job is handed to one new owner only.
 */
final class Rescuer {

    private static final Logger LOG = Logger.getLogger(Rescuer.class);
    private static final int CLAIM_BATCH = 100;

    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final RedisKeys keys;
    private final String me;
    private final Duration ttl;
    /** Receives each claimed entry with the stream it belongs to and the attempt it now is. */
    interface Claimed {
        void accept(String stream, StreamMessage<String, String, String> entry, int attempt);
    }

    private final Claimed sink;
    /** Until when (nanoTime) this worker's heartbeat surely still lives in Redis; 0 before the first. */
    private volatile long liveUntil;

    Rescuer(ReactiveRedisDataSource redis, RedisKeys keys, String me, Duration ttl, Claimed sink) {
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.keys = keys;
        this.me = me;
        this.ttl = ttl;
        this.sink = sink;
    }

    Uni<Void> announce() {
        long sentAt = System.nanoTime();
        return redis.value(String.class).set(keys.heartbeat(me), Long.toString(System.currentTimeMillis()), new SetArgs().px(ttl))
                .invoke(() -> liveUntil = sentAt + ttl.toNanos() - ttl.toNanos() / 10)
                .chain(() -> redis.set(String.class).sadd(keys.workers(), me)).replaceWithVoid();
    }

    /**
     * Whether this worker's heartbeat surely still lives: it was set less than 90% of its TTL ago
     * (counted from before the SET was sent). Once false, others may have declared this worker dead
     * and taken its jobs, so it must not run or answer them any more.
     */
    boolean live() {
        return System.nanoTime() - liveUntil < 0;
    }

    /**
     * After this worker fenced itself: its own entries still pending (nobody took them over) are
     * claimed again, as a new attempt each.
     */
    Uni<Integer> reclaimOwn() {
        List<Uni<Integer>> claims = new ArrayList<>(List.of(claimPending(keys.workerJobs(me), me)));
        keys.jobStreams().forEach(shared -> claims.add(claimPending(shared, me)));
        return Uni.join().all(claims).andCollectFailures().map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
    }

    /** Gone at once: others need not wait for the TTL before they take over. */
    Uni<Void> retire() {
        return redis.key().del(keys.heartbeat(me)).replaceWithVoid();
    }

    /** One round: look for dead workers and take over their jobs. */
    Uni<Void> sweep() {
        return redis.set(String.class).smembers(keys.workers())
                .onItem().transformToMulti(members -> Multi.createFrom().iterable(members))
                .filter(worker -> !worker.equals(me))
                .onItem().transformToUniAndConcatenate(worker -> redis.key().exists(keys.heartbeat(worker))
                        .flatMap(alive -> alive ? Uni.createFrom().voidItem() : takeOver(worker)))
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> takeOver(String dead) {
        return redis.value(String.class).setnx(keys.rescueLock(dead), me)
                .flatMap(locked -> locked
                        ? redis.key().pexpire(keys.rescueLock(dead), ttl.multipliedBy(5)).replaceWith(true)
                        : redis.value(String.class).get(keys.rescueLock(dead)).map(me::equals))
                .flatMap(mine -> mine ? claimAll(dead) : Uni.createFrom().voidItem());
    }

    private Uni<Void> claimAll(String dead) {
        String own = keys.workerJobs(dead);
        Uni<Integer> unreadOwn = streams.xreadgroup(RedisKeys.WORKER_GROUP, me, own, ">", new XReadGroupArgs().count(CLAIM_BATCH))
                .map(messages -> deliver(own, messages, Map.of()))
                .onFailure().recoverWithItem(0);
        List<Uni<Integer>> claims = new ArrayList<>(List.of(claimPending(own, dead), unreadOwn));
        keys.jobStreams().forEach(shared -> claims.add(claimPending(shared, dead)));
        return Uni.join().all(claims).andCollectFailures().map(counts -> counts.stream().mapToInt(Integer::intValue).sum())
                .flatMap(taken -> {
                    if (taken > 0) {
                        LOG.warnf("worker %s is gone: took over %d of its jobs", dead, taken);
                        return Uni.createFrom().voidItem();
                    }
                    // Nothing left: forget the dead worker once its stream is empty.
                    return streams.xlen(own).flatMap(len -> len > 0 ? Uni.createFrom().voidItem()
                            : redis.key().del(own, keys.rescueLock(dead))
                                    .chain(() -> redis.set(String.class).srem(keys.workers(), dead)).replaceWithVoid());
                });
    }

    /**
     * Entries the dead worker had taken and not acknowledged; only its own, so each moves once.
     * Each is a new attempt: it was delivered that many times before.
     */
    private Uni<Integer> claimPending(String stream, String dead) {
        return streams.xpending(stream, RedisKeys.WORKER_GROUP, StreamRange.of("-", "+"), CLAIM_BATCH,
                        new XPendingArgs().consumer(dead))
                .flatMap(pending -> {
                    if (pending.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    Map<String, Integer> deliveries = new HashMap<>();
                    pending.forEach(p -> deliveries.put(p.getMessageId(), (int) p.getDeliveryCount()));
                    return streams.xclaim(stream, RedisKeys.WORKER_GROUP, me, Duration.ZERO,
                                    deliveries.keySet().toArray(String[]::new))
                            .map(messages -> deliver(stream, messages, deliveries));
                })
                .onFailure().recoverWithItem(0);
    }

    private int deliver(String stream, List<StreamMessage<String, String, String>> messages, Map<String, Integer> deliveries) {
        if (messages == null) {
            return 0;
        }
        messages.forEach(m -> sink.accept(stream, m, deliveries.getOrDefault(m.id(), 0) + 1));
        return messages.size();
    }
}
