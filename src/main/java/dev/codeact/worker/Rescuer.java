package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Keeps this worker's lease (a heartbeat with a TTL, an epoch, membership of the worker set) and
 * takes over the jobs of workers whose heartbeat expired: the entries still unacknowledged or
 * unread on their own stream, and the ones they had taken from the shared stream. Taking over
 * advances the dead worker's epoch first, in the same step that finds its heartbeat gone, so a
 * worker that was only slow learns of it when it next renews, and a worker whose epoch did not
 * move was not taken over, however late it renews. One worker takes over a dead worker at a time
 * (a lock), so a job is handed to one new owner only. The store is a {@link WorkerRoster}; what is
 * taken, when, and as which attempt is decided here.
 */
final class Rescuer {

    private static final Logger LOG = Logger.getLogger(Rescuer.class);
    private static final int CLAIM_BATCH = 100;

    private final WorkerRoster roster;
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
    /** The epoch of this worker's lease; 0 before it joined. */
    private volatile long epoch;

    Rescuer(WorkerRoster roster, RedisKeys keys, String me, Duration ttl, Claimed sink) {
        this.roster = roster;
        this.keys = keys;
        this.me = me;
        this.ttl = ttl;
        this.sink = sink;
    }

    /** A new lease, with an epoch of its own: at start, and after this worker was taken over. */
    Uni<Long> join() {
        long sentAt = System.nanoTime();
        return roster.join(me, ttl).invoke(e -> {
            epoch = e;
            liveUntil = sentAt + margin();
        });
    }

    /**
     * Renews the lease; false when a peer took this worker over (its epoch moved on) and the
     * worker must give up every job and kernel. A renewal that comes late, or after a Redis outage,
     * still succeeds when nobody took over: being slow costs nothing.
     */
    Uni<Boolean> renew() {
        long sentAt = System.nanoTime();
        long held = epoch;
        return roster.renew(me, held, ttl).invoke(kept -> {
            if (kept) {
                liveUntil = sentAt + margin();
            }
        });
    }

    /** 90% of the TTL, counted from before the write was sent: the heartbeat surely lives that long. */
    private long margin() {
        return ttl.toNanos() - ttl.toNanos() / 10;
    }

    long epoch() {
        return epoch;
    }

    /**
     * Whether this worker's heartbeat surely still lives: it was set less than 90% of its TTL ago
     * (counted from before the write was sent). Once false, a peer may be taking this worker over,
     * so nothing of its jobs may be written until a renewal says whether one did.
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
        return roster.retire(me);
    }

    /** One round: look for dead workers and take over their jobs. */
    Uni<Void> sweep() {
        return roster.members()
                .onItem().transformToMulti(members -> Multi.createFrom().iterable(members))
                .filter(worker -> !worker.equals(me))
                .onItem().transformToUniAndConcatenate(worker -> roster.takeOver(worker, me, ttl.multipliedBy(5))
                        .flatMap(taken -> taken < 0 ? Uni.createFrom().voidItem() : claimAll(worker, taken)))
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> claimAll(String dead, long epoch) {
        String own = keys.workerJobs(dead);
        Uni<Integer> unreadOwn = roster.readNew(own, me, CLAIM_BATCH)
                .map(messages -> deliver(own, messages, Map.of()))
                .onFailure().recoverWithItem(0);
        List<Uni<Integer>> claims = new ArrayList<>(List.of(claimPending(own, dead), unreadOwn));
        keys.jobStreams().forEach(shared -> claims.add(claimPending(shared, dead)));
        return Uni.join().all(claims).andCollectFailures().map(counts -> counts.stream().mapToInt(Integer::intValue).sum())
                .flatMap(taken -> {
                    if (taken > 0) {
                        LOG.warnf("worker %s is gone: took over %d of its jobs (its lease epoch is now %d)", dead, taken, epoch);
                        return Uni.createFrom().voidItem();
                    }
                    // Nothing left: forget the dead worker once its stream is empty.
                    return roster.length(own).flatMap(len -> len > 0 ? Uni.createFrom().voidItem() : roster.forget(dead, own));
                });
    }

    /**
     * Entries the dead worker had taken and not acknowledged; only its own, so each moves once.
     * Each is a new attempt: it was delivered that many times before.
     */
    private Uni<Integer> claimPending(String stream, String dead) {
        return roster.pending(stream, dead, CLAIM_BATCH)
                .flatMap(deliveries -> deliveries.isEmpty() ? Uni.createFrom().item(0)
                        : roster.claim(stream, me, deliveries.keySet()).map(messages -> deliver(stream, messages, deliveries)))
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
