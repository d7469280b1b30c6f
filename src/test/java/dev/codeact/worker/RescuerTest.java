package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rescue's rules without Redis: who is taken over, by whom, which entries move and as which
 * attempt, and when a dead worker is forgotten. The roster here keeps Redis' stream semantics in
 * maps (a consumer group's pending entries and delivery counts); the real-parts tier
 * (WorkerProcessesIT, WorkerLeaseIT) runs the same rules against redis-server with worker processes
 * killed, paused and starved.
 */
class RescuerTest {

    static final Duration TTL = Duration.ofMinutes(1);
    final RedisKeys keys = new RedisKeys("t", 1);
    final String shared = keys.jobStreams().get(0);
    final Roster roster = new Roster();
    /** What each rescuer was handed: "stream entry attempt". */
    final List<String> claimed = new ArrayList<>();

    Rescuer rescuer(String me) {
        return new Rescuer(roster, keys, me, TTL, (stream, entry, attempt) -> claimed.add(stream + " " + entry.id() + " " + attempt));
    }

    /** w2 took two jobs from its own stream and one from the shared stream (twice), and left one unread; then it died. */
    void w2DiesHoldingJobs() {
        rescuer("w2").join().await().indefinitely();
        roster.add(keys.workerJobs("w2"), "1-0", "1-1", "1-2");
        roster.add(shared, "5-0");
        roster.read(keys.workerJobs("w2"), "w2", 2);
        roster.read(shared, "w2", 1);
        roster.redeliver(shared, "5-0");
        roster.heartbeats.remove("w2");
    }

    @Test
    void aDeadWorkersJobsAreTakenOverOnceEachAsTheirNextAttempt() {
        w2DiesHoldingJobs();
        Rescuer w1 = rescuer("w1");
        w1.join().await().indefinitely();
        w1.sweep().await().indefinitely();
        assertEquals(Set.of(keys.workerJobs("w2") + " 1-0 2", keys.workerJobs("w2") + " 1-1 2",
                keys.workerJobs("w2") + " 1-2 1", shared + " 5-0 3"), Set.copyOf(claimed));
        assertEquals(4, claimed.size(), "each entry once");

        claimed.clear();
        w1.sweep().await().indefinitely();
        Rescuer w3 = rescuer("w3");
        w3.join().await().indefinitely();
        w3.sweep().await().indefinitely();
        assertEquals(List.of(), claimed, "nothing moves twice: w1 holds the entries, and the lock on w2");
        assertTrue(roster.members.contains("w2"), "w2's stream still holds entries in progress");
    }

    @Test
    void aLiveWorkerIsLeftAlone() {
        rescuer("w2").join().await().indefinitely();
        roster.add(keys.workerJobs("w2"), "1-0");
        roster.read(keys.workerJobs("w2"), "w2", 1);
        rescuer("w1").sweep().await().indefinitely();
        assertEquals(List.of(), claimed);
        assertEquals(Map.of(), roster.locks);
    }

    @Test
    void aWorkerLockedByAnotherRescuerIsLeftToIt() {
        w2DiesHoldingJobs();
        roster.locks.put("w2", new Roster.Lock("w3", 0));
        rescuer("w1").sweep().await().indefinitely();
        assertEquals(List.of(), claimed);
    }

    @Test
    void aDeadWorkerIsForgottenOnceItsStreamIsEmpty() {
        w2DiesHoldingJobs();
        Rescuer w1 = rescuer("w1");
        w1.sweep().await().indefinitely();
        roster.ackAll(keys.workerJobs("w2"));
        w1.sweep().await().indefinitely();
        assertFalse(roster.members.contains("w2"));
        assertFalse(roster.locks.containsKey("w2"));
        assertFalse(roster.streams.containsKey(keys.workerJobs("w2")));
    }

    @Test
    void aFencedWorkerTakesItsOwnEntriesBackAsNewAttempts() {
        Rescuer w1 = rescuer("w1");
        w1.join().await().indefinitely();
        roster.add(keys.workerJobs("w1"), "1-0");
        roster.add(shared, "5-0");
        roster.read(keys.workerJobs("w1"), "w1", 1);
        roster.read(shared, "w1", 1);
        assertEquals(2, w1.reclaimOwn().await().indefinitely());
        assertEquals(Set.of(keys.workerJobs("w1") + " 1-0 2", shared + " 5-0 2"), Set.copyOf(claimed));
    }

    @Test
    void aWorkerThatWasOnlySlowRenewsItsLeaseWhateverTheDelay() {
        Rescuer w2 = rescuer("w2");
        w2.join().await().indefinitely();
        roster.heartbeats.remove("w2"); // expired: starved, paused, or Redis away
        assertTrue(w2.renew().await().indefinitely(), "nobody took it over: it keeps its lease");
        assertTrue(roster.heartbeats.contains("w2"));
        rescuer("w1").sweep().await().indefinitely();
        assertEquals(List.of(), claimed);
    }

    @Test
    void aTakeoverAdvancesTheEpochFirstSoTheOldWorkerLearnsOfItWhenItRenews() {
        w2DiesHoldingJobs();
        Rescuer w2 = rescuer("w2");
        long held = roster.epochs.get("w2");
        rescuer("w1").sweep().await().indefinitely();
        assertEquals(held + 1, roster.epochs.get("w2"), "advanced once, before anything was claimed");
        assertEquals(4, claimed.size());
        w2.join().await().indefinitely(); // w2 rejoins: a fresh lease, so a later death is a new takeover
        long rejoined = roster.epochs.get("w2");
        assertEquals(held + 2, rejoined);

        rescuer("w1").sweep().await().indefinitely();
        assertEquals(rejoined, roster.epochs.get("w2"), "alive again: left alone");
        roster.heartbeats.remove("w2");
        rescuer("w1").sweep().await().indefinitely();
        assertEquals(rejoined + 1, roster.epochs.get("w2"),
                "w1 still holds the lock of the first takeover, yet the rejoined lease is taken over anew");
    }

    @Test
    void aRenewalAfterATakeoverFailsAndSetsNothing() {
        Rescuer w2 = rescuer("w2");
        w2.join().await().indefinitely();
        roster.heartbeats.remove("w2");
        rescuer("w1").sweep().await().indefinitely();
        assertFalse(w2.renew().await().indefinitely());
        assertFalse(roster.heartbeats.contains("w2"), "the old lease is not brought back");
    }

    @Test
    void aWorkerIsLiveOnlyWhileItsLastHeartbeatSurelyLasts() throws InterruptedException {
        Rescuer w1 = rescuer("w1");
        assertFalse(w1.live(), "before its first heartbeat");
        w1.join().await().indefinitely();
        assertTrue(w1.live(), "a minute-long heartbeat was just set");

        Rescuer brief = new Rescuer(roster, keys, "w9", Duration.ofMillis(20), (s, e, a) -> { });
        brief.join().await().indefinitely();
        Thread.sleep(40);
        assertFalse(brief.live(), "past its TTL others may have taken its jobs");
    }

    /** Redis' worker set, heartbeats, locks and stream consumer groups, in maps. */
    static final class Roster implements WorkerRoster {

        final Set<String> members = new HashSet<>();
        final Set<String> heartbeats = new HashSet<>();
        final Map<String, Lock> locks = new HashMap<>();
        final Map<String, Long> epochs = new HashMap<>();
        /** Entry ids per stream, in order. */
        final Map<String, List<String>> streams = new HashMap<>();
        /** Per stream: the entries delivered and not acknowledged, with their consumer and delivery count. */
        final Map<String, Map<String, Delivery>> pending = new HashMap<>();
        /** Per stream: the entries the group has read. */
        final Map<String, Set<String>> read = new HashMap<>();

        record Delivery(String consumer, int count) {
        }

        /** Who takes a dead worker over, and the epoch it advanced it to. */
        record Lock(String holder, long epoch) {
        }

        void add(String stream, String... ids) {
            streams.computeIfAbsent(stream, s -> new ArrayList<>()).addAll(List.of(ids));
        }

        void read(String stream, String consumer, int count) {
            readNew(stream, consumer, count).await().indefinitely();
        }

        void redeliver(String stream, String id) {
            pending.get(stream).computeIfPresent(id, (i, d) -> new Delivery(d.consumer(), d.count() + 1));
        }

        void ackAll(String stream) {
            pending.getOrDefault(stream, Map.of()).keySet().forEach(id -> streams.get(stream).remove(id));
            pending.remove(stream);
        }

        @Override
        public Uni<Long> join(String worker, Duration ttl) {
            long epoch = epochs.merge(worker, 1L, Long::sum);
            heartbeats.add(worker);
            members.add(worker);
            return Uni.createFrom().item(epoch);
        }

        @Override
        public Uni<Boolean> renew(String worker, long epoch, Duration ttl) {
            boolean kept = epochs.getOrDefault(worker, 0L) == epoch;
            if (kept) {
                heartbeats.add(worker);
            }
            return Uni.createFrom().item(kept);
        }

        @Override
        public Uni<Void> retire(String worker) {
            heartbeats.remove(worker);
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Set<String>> members() {
            return Uni.createFrom().item(Set.copyOf(members));
        }

        @Override
        public Uni<Long> takeOver(String dead, String me, Duration hold) {
            if (heartbeats.contains(dead)) {
                return Uni.createFrom().item(-1L);
            }
            long epoch = epochs.getOrDefault(dead, 0L);
            Lock lock = locks.get(dead);
            if (lock != null && !lock.holder().equals(me)) {
                return Uni.createFrom().item(-1L);
            }
            if (lock == null || lock.epoch() != epoch) {
                epoch = epochs.merge(dead, 1L, Long::sum);
                locks.put(dead, new Lock(me, epoch));
            }
            return Uni.createFrom().item(epoch);
        }

        @Override
        public Uni<Map<String, Integer>> pending(String stream, String consumer, int count) {
            Map<String, Integer> mine = new LinkedHashMap<>();
            pending.getOrDefault(stream, Map.of()).forEach((id, d) -> {
                if (d.consumer().equals(consumer) && mine.size() < count) {
                    mine.put(id, d.count());
                }
            });
            return Uni.createFrom().item(mine);
        }

        @Override
        public Uni<List<StreamMessage<String, String, String>>> claim(String stream, String me, Collection<String> ids) {
            Map<String, Delivery> entries = pending.getOrDefault(stream, Map.of());
            List<StreamMessage<String, String, String>> moved = new ArrayList<>();
            for (String id : ids) {
                Delivery d = entries.get(id);
                if (d != null) {
                    entries.put(id, new Delivery(me, d.count() + 1));
                    moved.add(new StreamMessage<>(stream, id, Map.of()));
                }
            }
            return Uni.createFrom().item(moved);
        }

        @Override
        public Uni<List<StreamMessage<String, String, String>>> readNew(String stream, String me, int count) {
            Set<String> seen = read.computeIfAbsent(stream, s -> new HashSet<>());
            List<StreamMessage<String, String, String>> fresh = new ArrayList<>();
            for (String id : streams.getOrDefault(stream, List.of())) {
                if (fresh.size() < count && seen.add(id)) {
                    pending.computeIfAbsent(stream, s -> new LinkedHashMap<>()).put(id, new Delivery(me, 1));
                    fresh.add(new StreamMessage<>(stream, id, Map.of()));
                }
            }
            return Uni.createFrom().item(fresh);
        }

        @Override
        public Uni<Long> length(String stream) {
            return Uni.createFrom().item((long) streams.getOrDefault(stream, List.of()).size());
        }

        @Override
        public Uni<Void> forget(String dead, String stream) {
            streams.remove(stream);
            locks.remove(dead);
            epochs.remove(dead);
            members.remove(dead);
            return Uni.createFrom().voidItem();
        }
    }
}
