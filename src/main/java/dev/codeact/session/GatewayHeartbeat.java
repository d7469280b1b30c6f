package dev.codeact.session;

import dev.codeact.config.InstanceId;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * This gateway's heartbeat: a key with a short TTL written every {@link #EVERY}. It does two jobs.
 * Peers read it: a session whose turn lease names a gateway without a heartbeat is taken over at
 * once, not when the lease expires. And the write proves that Redis takes this gateway's writes,
 * which a Redis that answers reads may not (MISCONF: it cannot persist, a full disk; OOM;
 * READONLY: a replica): while it does not, readiness is down and new sessions and turns get
 * {@code storage} at once rather than a wait that never ends; that clears by itself with the next
 * write that succeeds.
 */
@ApplicationScoped
public class GatewayHeartbeat {

    private static final Logger LOG = Logger.getLogger(GatewayHeartbeat.class);
    static final Duration EVERY = Duration.ofSeconds(1);
    /** Three beats: a gateway whose heartbeat is gone stopped (or lost Redis) at least two beats ago. */
    static final Duration TTL = EVERY.multipliedBy(3);

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final String key;
    private final Vertx vertx;
    private final AtomicBoolean probing = new AtomicBoolean();
    /** Why the last write failed; null once one succeeded. */
    private volatile String refusal;
    private long timer = -1;

    public GatewayHeartbeat(ReactiveRedisDataSource redis, RedisKeys keys, InstanceId instance, Vertx vertx) {
        this.redis = redis;
        this.keys = keys;
        this.key = keys.gatewayHeartbeat(instance.get());
        this.vertx = vertx;
    }

    void start() {
        timer = vertx.setPeriodic(0, EVERY.toMillis(), t -> beat());
    }

    void stop() {
        vertx.cancelTimer(timer);
    }

    private void beat() {
        if (!probing.compareAndSet(false, true)) {
            return; // the last one has not answered: that is what the next one would find out
        }
        redis.value(String.class).set(key, "1", new SetArgs().px(TTL))
                .eventually(() -> probing.set(false))
                .subscribe().with(v -> {
                    if (refusal != null) {
                        LOG.infof("Redis takes writes again");
                        refusal = null;
                    }
                }, e -> {
                    if (refusal == null) {
                        LOG.warnf("Redis refuses writes: %s", e.getMessage());
                    }
                    refusal = e.getMessage() == null ? e.toString() : e.getMessage();
                });
    }

    /** Whether gateway {@code id} beats: false once its heartbeat expired (it stopped, or lost Redis). */
    Uni<Boolean> alive(String id) {
        return redis.key().exists(keys.gatewayHeartbeat(id));
    }

    /** Why Redis refuses this gateway's writes, or null while it takes them. */
    public String refusal() {
        return refusal;
    }

    /** Refuses new work while Redis refuses writes: it could be neither stored nor shown. */
    void requireWritable() throws ProtocolException {
        String why = refusal;
        if (why != null) {
            throw new ProtocolException(ErrorCode.STORAGE, "Redis refuses writes (" + why + "); try again shortly");
        }
    }
}
