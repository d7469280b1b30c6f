package dev.codeact.session;

import dev.codeact.config.SessionConfig;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.SessionSummary;
import dev.codeact.contract.SessionUpdate;
import dev.codeact.queue.LogTag;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Which sessions a principal has, for the sessions API: per principal a sorted set of session ids
 * scored by last activity, per session a small hash (title, creation, last activity, turns). Both
 * expire with the session's log; ids whose summary expired are dropped from the set when listed.
 * Writes are best effort: a session the index missed still works, it is only not listed.
 */
@ApplicationScoped
public class SessionIndex {

    private static final Logger LOG = Logger.getLogger(SessionIndex.class);
    /**
     * KEYS: the principal's list. ARGV: expired before (ms), limit, now (ms), session, TTL (s).
     * Returns 1 when the session was added, 0 at the limit.
     */
    private static final String CLAIM = "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) "
            + "if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end "
            + "redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4]) redis.call('EXPIRE', KEYS[1], ARGV[5]) return 1";
    /** KEYS: the summary. ARGV: the title. Sets it only on a summary that exists (1), else 0. */
    private static final String RENAME = "if redis.call('EXISTS', KEYS[1]) == 1 then "
            + "redis.call('HSET', KEYS[1], 'title', ARGV[1]) return 1 end return 0";
    /** Characters of the first message kept as the title. */
    static final int TITLE_CHARS = SessionUpdate.TITLE_CHARS;

    private final ReactiveRedisDataSource redis;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final ReactiveSortedSetCommands<String, String> sets;
    private final RedisKeys keys;
    private final Duration ttl;
    /** Writes sent and not answered yet. */
    private final AtomicInteger writing = new AtomicInteger();

    public SessionIndex(ReactiveRedisDataSource redis, RedisKeys keys, SessionConfig config) {
        this.redis = redis;
        this.hashes = redis.hash(String.class);
        this.sets = redis.sortedSet(String.class);
        this.keys = keys;
        this.ttl = config.ttl();
    }

    /**
     * Counts a new session against its principal's stored sessions, atomically across gateways:
     * true once it is in the principal's list, false when the list holds {@code limit} sessions
     * (after dropping those inactive longer than the TTL, whose keys have expired). Fails when
     * Redis does.
     */
    Uni<Boolean> claim(String principal, String session, int limit) {
        long now = System.currentTimeMillis();
        return redis.execute(Command.EVAL, CLAIM, "1", keys.sessionsOf(principal), Long.toString(now - ttl.toMillis()),
                        Integer.toString(limit), Long.toString(now), session, Long.toString(ttl.toSeconds()))
                .map(r -> r.toLong() == 1)
                .call(claimed -> claimed ? created(principal, session, now) : Uni.createFrom().voidItem());
    }

    private Uni<Void> created(String principal, String session, long now) {
        String at = Long.toString(now);
        return write(principal, session, Map.of("created_at", at, "last_activity", at, "turns", "0"), null);
    }

    void turnStarted(String principal, String session, int turn, String message) {
        write(principal, session, Map.of("last_activity", Long.toString(System.currentTimeMillis()),
                "turns", Integer.toString(turn)), turn == 1 ? title(message) : null);
    }

    /**
     * One round trip: two pipelined batches at once, one per key (each on its own Cluster slot): the
     * summary (its title the first time) and the principal's list, each with its TTL.
     */
    private Uni<Void> write(String principal, String session, Map<String, String> fields, String title) {
        String summary = keys.summary(session);
        String list = keys.sessionsOf(principal);
        Request hset = Request.cmd(Command.HSET).arg(summary);
        fields.forEach((k, v) -> hset.arg(k).arg(v));
        List<Request> ofSession = new ArrayList<>(List.of(hset));
        if (title != null) {
            ofSession.add(Request.cmd(Command.HSETNX).arg(summary).arg("title").arg(title));
        }
        ofSession.add(Request.cmd(Command.EXPIRE).arg(summary).arg(ttl.toSeconds()));
        List<Request> ofPrincipal = List.of(Request.cmd(Command.ZADD).arg(list).arg(fields.get("last_activity")).arg(session),
                Request.cmd(Command.EXPIRE).arg(list).arg(ttl.toSeconds()));
        writing.incrementAndGet();
        Uni<Void> written = Uni.combine().all().unis(redis.getRedis().batch(ofSession), redis.getRedis().batch(ofPrincipal))
                .discardItems()
                .onFailure().invoke(e -> LOG.warnf("session %s not indexed: %s", LogTag.session(session), e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid()
                .eventually(writing::decrementAndGet)
                .memoize().indefinitely();
        written.subscribe().with(v -> { });
        return written;
    }

    /**
     * Names the session in its principal's list (a first message later does not rename it again);
     * false when it has no summary (never indexed, expired, deleted).
     */
    public Uni<Boolean> rename(String session, String title) {
        return redis.execute(Command.EVAL, RENAME, "1", keys.summary(session), title).map(r -> r.toLong() == 1);
    }

    /** Waits (blocking, at shutdown) up to {@code max} for the writes under way, so none is cut by the closing client. */
    void drain(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (writing.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static String title(String message) {
        String line = SessionUpdate.oneLine(message);
        return line.length() <= TITLE_CHARS ? line : line.substring(0, TITLE_CHARS - 1) + "…";
    }

    /** The principal's sessions, latest activity first. */
    public Uni<List<SessionSummary>> list(String principal, int limit) {
        String list = keys.sessionsOf(principal);
        return sets.zrange(list, 0, limit - 1, new ZRangeArgs().rev()).flatMap(ids -> {
            if (ids.isEmpty()) {
                return Uni.createFrom().item(List.<SessionSummary>of());
            }
            List<Uni<SessionSummary>> reads = ids.stream().map(this::get).toList();
            return Uni.join().all(reads).andFailFast().flatMap(found -> {
                List<SessionSummary> live = new ArrayList<>();
                List<String> expired = new ArrayList<>();
                for (int i = 0; i < ids.size(); i++) {
                    if (found.get(i) != null) {
                        live.add(found.get(i));
                    } else {
                        expired.add(ids.get(i));
                    }
                }
                Uni<Void> pruned = expired.isEmpty() ? Uni.createFrom().voidItem()
                        : sets.zrem(list, expired.toArray(String[]::new)).replaceWithVoid();
                return pruned.replaceWith(live);
            });
        });
    }

    /** Null item when the session has no summary (never indexed, expired, deleted). */
    public Uni<SessionSummary> get(String session) {
        return hashes.hgetall(keys.summary(session)).map(fields -> fields.isEmpty() ? null : new SessionSummary(session,
                fields.get("title"), number(fields.get("created_at")), number(fields.get("last_activity")),
                (int) number(fields.get("turns"))));
    }

    private static long number(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    Uni<Void> remove(String principal, String session) {
        return sets.zrem(keys.sessionsOf(principal), session).replaceWithVoid();
    }
}
