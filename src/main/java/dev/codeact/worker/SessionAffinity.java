package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import java.time.Duration;
import org.jboss.logging.Logger;

/** Which worker holds a session's kernel (the routing hint of its next jobs), kept in Redis. */
final class SessionAffinity {

    private static final Logger LOG = Logger.getLogger(SessionAffinity.class);
    private static final Duration REDIS_WAIT = Duration.ofSeconds(5);

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final String workerId;
    private final Duration ttl;

    SessionAffinity(ReactiveRedisDataSource redis, RedisKeys keys, String workerId, Duration ttl) {
        this.redis = redis;
        this.keys = keys;
        this.workerId = workerId;
        this.ttl = ttl;
    }

    /** Records this worker as the holder of the session's kernel; true if another kernel held it before. Blocking. */
    boolean claim(String session) {
        String before = redis.value(String.class).setGet(keys.affinity(session), workerId, new SetArgs().ex(ttl))
                .await().atMost(REDIS_WAIT);
        return before != null;
    }

    /** The session's state is gone and the model was told: the next kernel need not say it again. */
    void forget(String session) {
        redis.key().del(keys.affinity(session)).subscribe().with(n -> { },
                e -> LOG.debugf("could not clear the affinity of %s: %s", session, e.getMessage()));
    }
}
