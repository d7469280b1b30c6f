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
 * their heartbeats, one lock per dead worker, and the job streams' entries a worker took and did not
 * acknowledge. {@link RedisWorkerRoster} keeps them in Redis; the rules of the rescue are
 * {@link Rescuer}'s.
 */
interface WorkerRoster {

    /** Sets the worker's heartbeat, to expire after {@code ttl}, and adds it to the set. */
    Uni<Void> announce(String worker, Duration ttl);

    /** Removes the worker's heartbeat at once (it stays in the set until someone forgets it). */
    Uni<Void> retire(String worker);

    Uni<Set<String>> members();

    /** Whether the worker's heartbeat has not expired. */
    Uni<Boolean> alive(String worker);

    /**
     * Whether {@code me} holds the lock on taking over {@code dead}: taken now (held for
     * {@code hold}), or taken by {@code me} before.
     */
    Uni<Boolean> lock(String dead, String me, Duration hold);

    /** The ids of the entries on {@code stream} delivered to {@code consumer} and not acknowledged, each with how often it was delivered. */
    Uni<Map<String, Integer>> pending(String stream, String consumer, int count);

    /** Moves those entries to {@code me}; the ones no longer pending are left out. */
    Uni<List<StreamMessage<String, String, String>>> claim(String stream, String me, Collection<String> ids);

    /** Delivers to {@code me} entries of {@code stream} that nobody read yet. */
    Uni<List<StreamMessage<String, String, String>>> readNew(String stream, String me, int count);

    Uni<Long> length(String stream);

    /** Drops the dead worker: its stream (and its tool replies), its lock, its place in the set. */
    Uni<Void> forget(String dead, String stream);
}
