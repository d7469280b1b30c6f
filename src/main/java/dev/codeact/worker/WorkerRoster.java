package dev.codeact.worker;

import io.quarkus.redis.datasource.stream.StreamMessage;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the rescue needs from the shared store, and nothing of how it keeps it: the set of workers,
 * each worker's lease (a heartbeat with a TTL and an epoch that only moves forward), and the job
 * streams' entries a worker took and did not acknowledge. {@link RedisWorkerRoster} keeps them in
 * Redis; the rules of the rescue are {@link Rescuer}'s.
 */
interface WorkerRoster {

    /**
     * A new lease: advances the worker's epoch, sets its heartbeat (to expire after {@code ttl})
     * and adds it to the set. Returns the epoch the worker now holds.
     */
    Uni<Long> join(String worker, Duration ttl);

    /**
     * Sets the heartbeat again if the worker's epoch is still {@code epoch}; false when a peer
     * advanced it (the worker was taken over), and then nothing is set.
     */
    Uni<Boolean> renew(String worker, long epoch, Duration ttl);

    /** Removes the worker's heartbeat at once (it stays in the set until someone forgets it). */
    Uni<Void> retire(String worker);

    Uni<Set<String>> members();

    /**
     * Takes over {@code dead} if its heartbeat has expired and no other worker holds the takeover
     * (a lock held for {@code hold}): the first time, the dead worker's epoch is advanced, so it can
     * never renew the lease it held. Returns the epoch taken over, or -1 when the worker is alive
     * or another rescuer has it. Atomic: a heartbeat renewed at the same time wins or loses whole.
     */
    Uni<Long> takeOver(String dead, String me, Duration hold);

    /** The ids of the entries on {@code stream} delivered to {@code consumer} and not acknowledged, each with how often it was delivered. */
    Uni<Map<String, Integer>> pending(String stream, String consumer, int count);

    /** Moves those entries to {@code me}; the ones no longer pending are left out. */
    Uni<List<StreamMessage<String, String, String>>> claim(String stream, String me, Collection<String> ids);

    /** Delivers to {@code me} entries of {@code stream} that nobody read yet. */
    Uni<List<StreamMessage<String, String, String>>> readNew(String stream, String me, int count);

    Uni<Long> length(String stream);

    /** Drops the dead worker: its stream (and its tool replies), its lock and epoch, its place in the set. */
    Uni<Void> forget(String dead, String stream);
}
