package dev.codeact.session;

import dev.codeact.config.InstanceId;
import dev.codeact.config.SessionConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.SessionTaken;
import dev.codeact.queue.LogTag;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Keeps one gateway at a time in charge of a session, so two never number events of one session:
 * a gateway running a turn holds a lease on the session (renewed while the turn runs), another
 * gateway refuses to take the session while that lease lives and its holder's heartbeat beats,
 * and a gateway that takes a session tells the others, which drop their idle copy.
 */
@ApplicationScoped
public class SessionHandover {

    private static final Logger LOG = Logger.getLogger(SessionHandover.class);

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final String me;
    private final Vertx vertx;
    private final Map<String, Long> renewals = new ConcurrentHashMap<>();
    private volatile Cancellable listening;

    private final Duration lease;

    private final GatewayHeartbeat heartbeat;

    public SessionHandover(ReactiveRedisDataSource redis, RedisKeys keys, InstanceId instance, Vertx vertx,
                           SessionConfig config, GatewayHeartbeat heartbeat) {
        this.heartbeat = heartbeat;
        this.lease = config.turnLease();
        this.redis = redis;
        this.keys = keys;
        this.me = instance.get();
        this.vertx = vertx;
    }

    /**
     * Succeeds when this gateway may take the session over: no other gateway holds its turn lease,
     * or the one that does has no heartbeat (it stopped: its session is taken over within the
     * heartbeat's TTL, not the lease's). Fails with {@code session_elsewhere}.
     */
    Uni<Void> mayTake(String session) {
        return redis.value(String.class).get(keys.turnLease(session)).flatMap(holder -> holder == null || holder.equals(me)
                ? Uni.createFrom().voidItem()
                : heartbeat.alive(holder).flatMap(alive -> {
                    if (!alive) {
                        LOG.infof("taking over %s from gateway %s, whose heartbeat stopped", LogTag.session(session), holder);
                        return Uni.createFrom().voidItem();
                    }
                    return Uni.createFrom().failure(new ProtocolException(ErrorCode.SESSION_ELSEWHERE,
                            "a turn of this session is running on another gateway: reconnect there, or in a moment"));
                }));
    }

    void taken(String session) {
        redis.pubsub(String.class).publish(keys.sessionTakenChannel(),
                        QueueCodec.encode(new SessionTaken(QueueCodec.VERSION, session, me)))
                .subscribe().with(v -> { }, e -> LOG.warnf("could not announce the takeover of %s: %s", LogTag.session(session), e.getMessage()));
    }

    /** Calls {@code drop} with each session another gateway took. */
    void listen(Consumer<String> drop) {
        listening = redis.pubsub(String.class).subscribe(keys.sessionTakenChannel()).subscribe().with(payload -> {
            try {
                SessionTaken taken = QueueCodec.decode(payload, SessionTaken.class);
                if (!taken.gateway().equals(me)) {
                    drop.accept(taken.session());
                }
            } catch (IllegalArgumentException e) {
                LOG.warnf("ignoring a bad session-taken message: %s", e.getMessage());
            }
        }, e -> LOG.warnf("session-taken channel failed: %s", e.getMessage()));
    }

    /**
     * Unsubscribes while the application still runs: left to the Redis client's close, the
     * unsubscribe ran after shutdown and logged an error.
     */
    void onStop(@Observes ShutdownEvent event) {
        Cancellable subscription = listening;
        if (subscription != null) {
            subscription.cancel();
        }
    }

    void turnStarted(String session) {
        stopRenewing(session);
        lease(session);
        renewals.put(session, vertx.setPeriodic(lease.toMillis() / 3, t -> lease(session)));
    }

    /** The turn ended: the lease is no longer renewed, but held until {@link #release}. */
    void stopRenewing(String session) {
        Long timer = renewals.remove(session);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * Called once the turn's turn_end is stored (and no new turn started), so a gateway that
     * takes the session next reads the turn as ended.
     */
    void release(String session) {
        redis.key().del(keys.turnLease(session)).subscribe().with(n -> { },
                e -> LOG.debugf("could not release the lease of %s: %s", session, e.getMessage()));
    }

    private void lease(String session) {
        redis.value(String.class).set(keys.turnLease(session), me, new SetArgs().px(lease))
                .subscribe().with(v -> { }, e -> LOG.warnf("could not renew the lease of %s: %s", LogTag.session(session), e.getMessage()));
    }
}
