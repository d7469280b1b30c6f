package dev.codeact.worker;

import dev.codeact.contract.KernelRelease;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Each principal's kernels across workers, kept within {@code codeact.limits.kernels-per-principal}:
 * a sorted set per principal of its sessions with a kernel, scored by when each last ran code. A
 * new kernel over the bound evicts the principal's least recently used ones, wherever they are
 * (a release with a reason on the release channel: the holder stops it, once its action ends if
 * one runs); one principal's sessions never take another's kernels this way.
 */
final class KernelShares {

    private static final Logger LOG = Logger.getLogger(KernelShares.class);
    private static final Duration REDIS_WAIT = Duration.ofSeconds(5);
    static final String OVER_SHARE = "its owner has codeact.limits.kernels-per-principal interpreters running, and this was "
            + "the one used least recently";

    /**
     * KEYS: the principal's set. ARGV: now (ms), session, stale before (ms), limit, TTL (s). Adds the
     * session, drops entries whose kernels the idle timeout has stopped, and removes and returns
     * the least recently used others beyond the limit.
     */
    private static final String ADMIT = "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) "
            + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3]) "
            + "redis.call('EXPIRE', KEYS[1], ARGV[5]) "
            + "local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4]) "
            + "if over <= 0 then return {} end "
            + "local evicted = {} "
            + "for _, s in ipairs(redis.call('ZRANGE', KEYS[1], 0, over)) do "
            + "  if s ~= ARGV[2] and #evicted < over then table.insert(evicted, s) end "
            + "end "
            + "for _, s in ipairs(evicted) do redis.call('ZREM', KEYS[1], s) end "
            + "return evicted";

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final int limit;
    private final Duration idleTimeout;

    KernelShares(ReactiveRedisDataSource redis, RedisKeys keys, int limit, Duration idleTimeout) {
        this.redis = redis;
        this.keys = keys;
        this.limit = limit;
        this.idleTimeout = idleTimeout;
    }

    /**
     * A new kernel of {@code principal}'s session: counted, and the principal's kernels beyond its
     * bound released. Blocking (a worker thread). A Redis failure is logged: the kernel runs, and
     * the bound holds again at the next new kernel.
     */
    void admit(String principal, String session) {
        if (principal == null) {
            return;
        }
        long now = System.currentTimeMillis();
        List<String> evicted = new ArrayList<>();
        try {
            Response r = redis.execute(Command.EVAL, ADMIT, "1", keys.kernelsOf(principal), Long.toString(now), session,
                    Long.toString(now - idleTimeout.toMillis()), Integer.toString(limit),
                    Long.toString(ttlSeconds())).await().atMost(REDIS_WAIT);
            r.forEach(s -> evicted.add(s.toString()));
        } catch (RuntimeException e) {
            LOG.warnf("could not count the kernels of a principal: %s", e.getMessage());
            return;
        }
        for (String other : evicted) {
            redis.pubsub(String.class).publish(keys.releaseChannel(),
                            QueueCodec.encode(new KernelRelease(QueueCodec.VERSION, other, OVER_SHARE)))
                    .subscribe().with(n -> { }, e -> LOG.warnf("could not release an evicted kernel: %s", e.getMessage()));
        }
    }

    /** Entries older than the idle timeout are stale (those kernels were stopped): the set outlives them a little. */
    private long ttlSeconds() {
        return idleTimeout.toSeconds() + 60;
    }

    /** The session ran code now: it is its principal's most recently used. Not waited for. */
    void touch(String principal, String session) {
        if (principal == null) {
            return;
        }
        String set = keys.kernelsOf(principal);
        redis.getRedis().batch(List.of(Request.cmd(Command.ZADD).arg(set).arg(System.currentTimeMillis()).arg(session),
                        Request.cmd(Command.EXPIRE).arg(set).arg(ttlSeconds())))
                .subscribe().with(n -> { }, e -> LOG.debugf("could not mark a kernel used: %s", e.getMessage()));
    }

    /** The session's kernel is gone: it no longer counts. Not waited for. */
    void forget(String principal, String session) {
        if (principal == null) {
            return;
        }
        redis.sortedSet(String.class).zrem(keys.kernelsOf(principal), session)
                .subscribe().with(n -> { }, e -> LOG.debugf("could not uncount a kernel: %s", e.getMessage()));
    }
}
