package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Which worker holds a session's kernel (the routing hint of its next jobs), kept in Redis, and
 * why a kernel whose state still mattered was stopped, for the session's next observation.
 */
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

    /**
     * What a new kernel of the session finds: whether another kernel held it before, and why that
     * one went when no observation said so yet (else null).
     */
    record Claim(boolean hadState, String lostBecause) {}

    /** Records this worker as the holder of the session's kernel, and takes the reason its last one went, if recorded. Blocking. */
    Claim claim(String session) {
        List<Response> answers = redis.getRedis().batch(List.of(
                        Request.cmd(Command.SET).arg(keys.affinity(session)).arg(workerId).arg("EX").arg(ttl.toSeconds()).arg("GET"),
                        Request.cmd(Command.GETDEL).arg(keys.lostState(session))))
                .await().atMost(REDIS_WAIT);
        Response lost = answers.get(1);
        return new Claim(answers.get(0) != null, lost == null ? null : lost.toString());
    }

    /**
     * The session's kernel went while its state mattered and no observation said so (an eviction, a
     * kill during a file operation): its next kernel says why. Not waited for.
     *
     * @param reason a clause, e.g. "it was stopped to make room (…)"
     */
    void lost(String session, String reason) {
        redis.value(String.class).set(keys.lostState(session), reason, new SetArgs().ex(ttl))
                .subscribe().with(v -> { }, e -> LOG.debugf("could not record why a kernel was evicted: %s", e.getMessage()));
    }

    /** The session's state is gone and the model was told: the next kernel need not say it again. */
    void forget(String session) {
        redis.key().del(keys.affinity(session)).subscribe().with(n -> { },
                e -> LOG.debugf("could not clear the affinity of %s: %s", session, e.getMessage()));
    }
}
