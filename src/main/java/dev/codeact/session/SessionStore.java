package dev.codeact.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.config.QueueConfig;
import dev.codeact.config.SessionConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ToolSpec;
import dev.codeact.contract.WireJson;
import dev.codeact.queue.LogTag;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Session state in Redis: {@code events} (the event log, a sorted set scored by seq, each event's
 * JSON as sent) and {@code history} (chat messages scored by their number). A session exists while
 * its event log does; its first event is always {@code session}.
 */
@ApplicationScoped
public class SessionStore {

    private static final Logger LOG = Logger.getLogger(SessionStore.class);

    /**
     * What a gateway needs to take a session over: {@code owner} comes from its first event;
     * {@code lastSeq} is the highest stored seq; {@code lastTurn} is the number of its latest turn,
     * and {@code turnOpen} says that turn has no {@code turn_end} (the gateway running it stopped);
     * {@code gaps} are the seq ranges that hold no events.
     */
    public record Loaded(long lastSeq, String owner, History history, int lastTurn, boolean turnOpen,
                         Sampling sampling, List<Gap> gaps, List<ToolSpec> tools) {}

    /**
     * A session's history as its log rebuilt it: the messages, and how many entries the log holds
     * (messages and rewinds), which the next entry's number follows.
     */
    public record History(List<ChatMessage> messages, long entries) {
        static final History EMPTY = new History(List.of(), 0);
    }

    /**
     * Seqs {@code from..to} hold no events: a log written by an earlier version, which skipped seqs
     * after taking over from a crashed gateway (see events_lost); events are now stored before they
     * are sent, so nothing new is skipped.
     */
    public record Gap(long from, long to) {

        /** How many seqs of {@code after < seq <= upTo} fall in this gap. */
        long overlap(long after, long upTo) {
            return Math.max(0, Math.min(to, upTo) - Math.max(from, after + 1) + 1);
        }
    }

    /** How many events are read per step when the log is searched backwards for the latest turn. */
    private static final int TAIL = 64;

    private final ReactiveRedisDataSource redis;
    private final ReactiveSortedSetCommands<String, String> sets;
    private final RedisKeys keys;
    private final LogFlusher.Pool flushers;
    private final Duration retryWindow;

    /** @param redisClientType {@code quarkus.redis.client-type}: on a cluster, log batches go one per slot */
    public SessionStore(ReactiveRedisDataSource redis, RedisKeys keys, SessionConfig config, QueueConfig queue,
                        @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String redisClientType) {
        this.retryWindow = queue.retryWindow();
        this.redis = redis;
        this.sets = redis.sortedSet(String.class);
        this.keys = keys;
        this.flushers = new LogFlusher.Pool(redis.getRedis()::batch, config.logFlushInterval().toMillis(),
                "cluster".equals(redisClientType));
    }

    /** How long writes may fail before the turns that wait on them end ({@code codeact.queue.retry-window}). */
    Duration retryWindow() {
        return retryWindow;
    }

    /** Where the logs of sessions on {@code context}'s event loop are written from. */
    LogFlusher logFlusher(Context context) {
        return flushers.of(context);
    }

    ReactiveRedisDataSource redis() {
        return redis;
    }

    RedisKeys keys() {
        return keys;
    }

    /** Null when the session does not exist (never created, or expired). */
    public Uni<Loaded> load(String session) {
        String events = keys.events(session);
        return sets.zrangeWithScores(events, -1, -1).flatMap(last -> {
            if (last.isEmpty()) {
                return Uni.createFrom().nullItem();
            }
            long lastSeq = (long) last.get(0).score();
            // The rest is independent: read at once, not one after another.
            return Uni.combine().all().unis(sets.zrange(events, 0, 0), latestTurn(events, 0),
                            sets.zrange(keys.history(session), 0, -1), sets.zrange(keys.gaps(session), 0, -1),
                            redis.value(String.class).mget(keys.options(session), keys.openTurn(session), keys.tools(session)))
                    .with((first, turn, history, gaps, values) -> {
                        // The marker is written before a turn's first event: it knows of a turn
                        // whose events were never stored.
                        int open = openTurn(values.get(keys.openTurn(session)));
                        return new Loaded(lastSeq, principalIn(first.get(0)), parseHistory(session, history),
                                Math.max(turn[0], open), turn[1] == 1 || open > 0,
                                sampling(session, values.get(keys.options(session))), parseGaps(gaps),
                                tools(session, values.get(keys.tools(session))));
                    });
        });
    }

    /** Marks turn {@code number} as running, before any of its events is sent (see {@link Loaded#turnOpen}). */
    Uni<Void> markTurnOpen(String session, int number, Duration ttl) {
        return redis.value(String.class).set(keys.openTurn(session), Integer.toString(number), new SetArgs().ex(ttl));
    }

    /** The session's last turn ended and its turn_end is stored. */
    void clearTurnOpen(String session) {
        redis.key().del(keys.openTurn(session)).subscribe().with(n -> { },
                e -> LOG.debugf("open-turn marker of %s not cleared: %s", LogTag.session(session), e.getMessage()));
    }

    private static int openTurn(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static List<Gap> parseGaps(List<String> raw) {
        List<Gap> gaps = new ArrayList<>();
        for (String entry : raw) {
            int dash = entry.indexOf('-');
            try {
                gaps.add(new Gap(Long.parseLong(entry.substring(0, dash)), Long.parseLong(entry.substring(dash + 1))));
            } catch (RuntimeException e) {
                LOG.warnf("ignoring a stored gap that does not parse: %s", e.getMessage());
            }
        }
        return gaps;
    }

    /**
     * Who owns a session, read from its first event alone (before anything else is loaded): null
     * item when it does not exist, {@code ""} when its first event names nobody (then nobody may attach).
     */
    public Uni<String> owner(String session) {
        return sets.zrange(keys.events(session), 0, 0).map(first -> {
            if (first.isEmpty()) {
                return null;
            }
            String owner = principalIn(first.get(0));
            return owner == null ? "" : owner;
        });
    }

    /** One stored event: its seq and its JSON as it was sent. */
    public record Event(long seq, String json) {}

    /** Stored events with {@code from < seq <= to}, in order. */
    public Uni<List<Event>> events(String session, long from, long to) {
        return sets.zrangebyscoreWithScores(keys.events(session), ScoreRange.from((double) (from + 1), (double) to))
                .map(found -> found.stream().map(v -> new Event((long) v.score(), v.value())).toList());
    }

    /** At most {@code count} stored events with {@code seq > after}, in order (a viewer's tail of the log). */
    public Uni<List<Event>> eventsAfter(String session, long after, int count) {
        return sets.zrangebyscoreWithScores(keys.events(session), ScoreRange.from((double) (after + 1), Double.POSITIVE_INFINITY),
                        new ZRangeArgs().limit(0, count))
                .map(found -> found.stream().map(v -> new Event((long) v.score(), v.value())).toList());
    }

    /** Deletes every key of a session. */
    Uni<Void> delete(String session) {
        return redis.key().del(keys.sessionKeys(session).toArray(String[]::new)).replaceWithVoid();
    }

    /** Stores a session's model choices (they live as long as its history). */
    public void saveSampling(String session, Sampling sampling, Duration ttl) {
        redis.value(String.class).set(keys.options(session), encode(sampling), new SetArgs().ex(ttl))
                .subscribe().with(v -> { }, e -> LOG.warnf("session %s: options not stored: %s", LogTag.session(session), e.getMessage()));
    }

    /** Stores the tools a session's client declared (they live as long as its history). */
    void saveTools(String session, List<ToolSpec> tools, Duration ttl) {
        redis.value(String.class).set(keys.tools(session), encode(tools), new SetArgs().ex(ttl))
                .subscribe().with(v -> { }, e -> LOG.warnf("session %s: tools not stored: %s", LogTag.session(session), e.getMessage()));
    }

    private static List<ToolSpec> tools(String session, String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return List.of(WireJson.MAPPER.readValue(json, ToolSpec[].class));
        } catch (Exception e) {
            LOG.warnf("session %s: ignoring stored tools that do not parse: %s", LogTag.session(session), e.getMessage());
            return List.of();
        }
    }

    private static Sampling sampling(String session, String json) {
        if (json == null) {
            return Sampling.DEFAULTS;
        }
        try {
            return WireJson.MAPPER.readValue(json, Sampling.class);
        } catch (Exception e) {
            LOG.warnf("session %s: ignoring stored options that do not parse: %s", LogTag.session(session), e.getMessage());
            return Sampling.DEFAULTS;
        }
    }

    /**
     * {latest turn number, 1 if that turn has no turn_end}: the log is read backwards, {@link #TAIL}
     * events at a time, until a turn_start or turn_end is found (or the log's start).
     */
    private Uni<int[]> latestTurn(String events, long page) {
        long stop = -1 - page * TAIL;
        return sets.zrange(events, stop - TAIL + 1, stop).flatMap(chunk -> {
            int[] found = latestTurn(chunk);
            if (found != null || chunk.size() < TAIL) {
                return Uni.createFrom().item(found != null ? found : new int[] {0, 0});
            }
            return latestTurn(events, page + 1);
        });
    }

    private static int[] latestTurn(List<String> chunk) {
        for (int i = chunk.size() - 1; i >= 0; i--) {
            try {
                JsonNode event = WireJson.MAPPER.readTree(chunk.get(i));
                String type = event.path("type").asText();
                if ("turn_end".equals(type) || "turn_start".equals(type)) {
                    return new int[] {event.path("turn").asInt(), "turn_start".equals(type) ? 1 : 0};
                }
            } catch (Exception e) {
                // an unreadable entry says nothing about turns
            }
        }
        return null;
    }

    /** The principal in the session's first event; null (nobody may attach) if it is unreadable. */
    private static String principalIn(String firstEvent) {
        try {
            JsonNode principal = WireJson.MAPPER.readTree(firstEvent).get("principal");
            return principal != null && principal.isTextual() ? principal.asText() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** A history entry: its number, a space, the message's JSON (the number keeps equal messages apart). */
    static String historyEntry(long number, ChatMessage message) {
        return number + " " + encode(message);
    }

    /**
     * A history entry that takes the history back to its first {@code keep} messages (a turn
     * replaced by another): the log stays append-only, so a write retried after a lost reply stays
     * harmless, and a gateway loading the session replays the rewind as it comes.
     */
    static String rewindEntry(long number, int keep) {
        return number + " " + REWIND + keep;
    }

    private static final String REWIND = "rewind ";

    static History parseHistory(String session, List<String> raw) {
        List<ChatMessage> history = new ArrayList<>(raw.size());
        long last = 0;
        for (String entry : raw) {
            String body = entry.substring(entry.indexOf(' ') + 1);
            try {
                last = Math.max(last, Long.parseLong(entry.substring(0, entry.indexOf(' '))));
                if (body.startsWith(REWIND)) {
                    int keep = Integer.parseInt(body.substring(REWIND.length()));
                    history.subList(Math.min(Math.max(keep, 0), history.size()), history.size()).clear();
                } else {
                    history.add(WireJson.MAPPER.readValue(body, ChatMessage.class));
                }
            } catch (Exception e) {
                // One damaged entry must not make the whole session unusable.
                LOG.warnf("session %s: skipping a history entry that is not a chat message: %s", LogTag.session(session), e.getMessage());
            }
        }
        return new History(history, Math.max(last, raw.size()));
    }

    static String encode(Object value) {
        try {
            return WireJson.MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new UncheckedIOException(new java.io.IOException(e));
        }
    }
}
