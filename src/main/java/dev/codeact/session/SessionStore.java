package dev.codeact.session;

import dev.codeact.queue.LogTag;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.llm.ChatMessage;
import dev.codeact.llm.Sampling;
import dev.codeact.protocol.WireJson;
import dev.codeact.queue.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
     * {@code lastTurn} is the number of its latest turn, and {@code turnOpen} says that turn has
     * no {@code turn_end} (the gateway running it stopped).
     */
    public record Loaded(long lastSeq, String owner, List<ChatMessage> history, int lastTurn, boolean turnOpen,
                         Sampling sampling) {}

    /** How far back the end of the log is read to find the latest turn's start or end. */
    private static final int TAIL = 64;

    private final ReactiveRedisDataSource redis;
    private final ReactiveSortedSetCommands<String, String> sets;
    private final RedisKeys keys;

    public SessionStore(ReactiveRedisDataSource redis, RedisKeys keys) {
        this.redis = redis;
        this.sets = redis.sortedSet(String.class);
        this.keys = keys;
    }

    ReactiveRedisDataSource redis() {
        return redis;
    }

    RedisKeys keys() {
        return keys;
    }

    /** Null when the session does not exist (never created, or expired). */
    public Uni<Loaded> load(String session) {
        return sets.zcard(keys.events(session)).flatMap(len -> {
            if (len == 0) {
                return Uni.createFrom().nullItem();
            }
            return sets.zrange(keys.events(session), 0, 0).flatMap(first -> sets.zrange(keys.events(session), -TAIL, -1)
                    .flatMap(tail -> sets.zrange(keys.history(session), 0, -1)
                            .flatMap(raw -> redis.value(String.class).get(keys.options(session)).map(options -> {
                                int[] turn = latestTurn(tail);
                                return new Loaded(len, principalIn(first.get(0)), parseHistory(session, raw), turn[0], turn[1] == 1,
                                        sampling(session, options));
                            }))));
        });
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

    /** Events with {@code from < seq <= to}, in order. */
    public Uni<List<String>> events(String session, long from, long to) {
        return sets.zrangebyscore(keys.events(session), ScoreRange.from(from + 1, to));
    }

    /** Stores a session's model choices (they live as long as its history). */
    public void saveSampling(String session, Sampling sampling, Duration ttl) {
        redis.value(String.class).set(keys.options(session), encode(sampling), new SetArgs().ex(ttl))
                .subscribe().with(v -> { }, e -> LOG.warnf("session %s: options not stored: %s", LogTag.session(session), e.getMessage()));
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

    /** {latest turn number, 1 if that turn has no turn_end}, read from the end of the log. */
    private static int[] latestTurn(List<String> tail) {
        for (int i = tail.size() - 1; i >= 0; i--) {
            try {
                JsonNode event = WireJson.MAPPER.readTree(tail.get(i));
                String type = event.path("type").asText();
                if ("turn_end".equals(type) || "turn_start".equals(type)) {
                    return new int[] {event.path("turn").asInt(), "turn_start".equals(type) ? 1 : 0};
                }
            } catch (Exception e) {
                // an unreadable entry says nothing about turns
            }
        }
        return new int[] {0, 0};
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

    private static List<ChatMessage> parseHistory(String session, List<String> raw) {
        List<ChatMessage> history = new ArrayList<>(raw.size());
        for (String entry : raw) {
            try {
                history.add(WireJson.MAPPER.readValue(entry.substring(entry.indexOf(' ') + 1), ChatMessage.class));
            } catch (Exception e) {
                // One damaged entry must not make the whole session unusable.
                LOG.warnf("session %s: skipping a history entry that is not a chat message: %s", LogTag.session(session), e.getMessage());
            }
        }
        return history;
    }

    static String encode(Object value) {
        try {
            return WireJson.MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new UncheckedIOException(new java.io.IOException(e));
        }
    }
}
