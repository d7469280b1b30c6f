package dev.codeact.session;

import dev.codeact.config.SessionConfig;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.SessionSummary;
import dev.codeact.queue.LogTag;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    /** Characters of the first message kept as the title. */
    static final int TITLE_CHARS = 80;

    private final ReactiveRedisDataSource redis;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final ReactiveSortedSetCommands<String, String> sets;
    private final RedisKeys keys;
    private final Duration ttl;

    public SessionIndex(ReactiveRedisDataSource redis, RedisKeys keys, SessionConfig config) {
        this.redis = redis;
        this.hashes = redis.hash(String.class);
        this.sets = redis.sortedSet(String.class);
        this.keys = keys;
        this.ttl = config.ttl();
    }

    /** Started at once; the item says the write is done (it never fails: a failure is logged). */
    Uni<Void> created(String principal, String session) {
        String now = Long.toString(System.currentTimeMillis());
        return write(principal, session, Map.of("created_at", now, "last_activity", now, "turns", "0"), null);
    }

    void turnStarted(String principal, String session, int turn, String message) {
        write(principal, session, Map.of("last_activity", Long.toString(System.currentTimeMillis()),
                "turns", Integer.toString(turn)), turn == 1 ? title(message) : null);
    }

    private Uni<Void> write(String principal, String session, Map<String, String> fields, String title) {
        String summary = keys.summary(session);
        String list = keys.sessionsOf(principal);
        Uni<Void> titled = title == null ? Uni.createFrom().voidItem() : hashes.hsetnx(summary, "title", title).replaceWithVoid();
        Uni<Void> written = hashes.hset(summary, fields).chain(() -> titled)
                .chain(() -> redis.key().expire(summary, ttl))
                .chain(() -> sets.zadd(list, Double.parseDouble(fields.get("last_activity")), session))
                .chain(() -> redis.key().expire(list, ttl))
                .onFailure().invoke(e -> LOG.warnf("session %s not indexed: %s", LogTag.session(session), e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid()
                .memoize().indefinitely();
        written.subscribe().with(v -> { });
        return written;
    }

    static String title(String message) {
        String line = message.strip().replaceAll("\\s+", " ");
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
