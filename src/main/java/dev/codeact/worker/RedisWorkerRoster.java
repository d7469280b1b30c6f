package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XPendingArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The worker roster in Redis: per worker a heartbeat key with a TTL, an epoch counter and a takeover
 * lock, all three under the worker's hash tag so one script reads and writes them together (on a
 * Cluster too); a set of workers; XPENDING/XCLAIM for the entries. The heartbeat's value is the
 * worker's capacity (actions it runs or lets wait), which gateways add up to refuse new work when
 * every worker is full.
 */
final class RedisWorkerRoster implements WorkerRoster {

    /** KEYS: heartbeat, epoch. ARGV: ttl ms, capacity. */
    private static final String JOIN = "local e = redis.call('INCR', KEYS[2]) "
            + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1]) return e";
    /** KEYS: heartbeat, epoch. ARGV: the epoch held, ttl ms, capacity. */
    private static final String RENEW = "if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end "
            + "redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2]) return 1";
    /**
     * KEYS: heartbeat, epoch, lock. ARGV: me, hold ms. The lock's value is "rescuer epoch": a rescuer
     * still holding it for the current epoch goes on without advancing it again, while a worker that
     * joined again since (a new epoch) is taken over anew.
     */
    private static final String TAKE_OVER = "if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end "
            + "local epoch = tonumber(redis.call('GET', KEYS[2]) or '0') "
            + "local lock = redis.call('GET', KEYS[3]) "
            + "if lock then "
            + "  local holder, held = string.match(lock, '^(.*) (%d+)$') "
            + "  if holder ~= ARGV[1] then return -1 end "
            + "  if tonumber(held) == epoch then return epoch end "
            + "end "
            + "epoch = redis.call('INCR', KEYS[2]) "
            + "redis.call('SET', KEYS[3], ARGV[1] .. ' ' .. epoch, 'PX', ARGV[2]) "
            + "return epoch";

    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final RedisKeys keys;
    private final String capacity;

    RedisWorkerRoster(ReactiveRedisDataSource redis, RedisKeys keys, int capacity) {
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.keys = keys;
        this.capacity = Integer.toString(capacity);
    }

    @Override
    public Uni<Long> join(String worker, Duration ttl) {
        return redis.execute(Command.EVAL, JOIN, "2", keys.heartbeat(worker), keys.epoch(worker), Long.toString(ttl.toMillis()),
                        capacity)
                .map(Response::toLong)
                .call(() -> redis.set(String.class).sadd(keys.workers(), worker));
    }

    @Override
    public Uni<Boolean> renew(String worker, long epoch, Duration ttl) {
        return redis.execute(Command.EVAL, RENEW, "2", keys.heartbeat(worker), keys.epoch(worker), Long.toString(epoch),
                Long.toString(ttl.toMillis()), capacity).map(r -> r.toLong() == 1);
    }

    @Override
    public Uni<Void> retire(String worker) {
        return redis.key().del(keys.heartbeat(worker)).replaceWithVoid();
    }

    @Override
    public Uni<Set<String>> members() {
        return redis.set(String.class).smembers(keys.workers());
    }

    @Override
    public Uni<Long> takeOver(String dead, String me, Duration hold) {
        return redis.execute(Command.EVAL, TAKE_OVER, "3", keys.heartbeat(dead), keys.epoch(dead), keys.rescueLock(dead), me,
                Long.toString(hold.toMillis())).map(Response::toLong);
    }

    @Override
    public Uni<Map<String, Integer>> pending(String stream, String consumer, int count) {
        return streams.xpending(stream, RedisKeys.WORKER_GROUP, StreamRange.of("-", "+"), count, new XPendingArgs().consumer(consumer))
                .map(pending -> {
                    Map<String, Integer> deliveries = new LinkedHashMap<>();
                    pending.forEach(p -> deliveries.put(p.getMessageId(), p.getDeliveryCount()));
                    return deliveries;
                });
    }

    @Override
    public Uni<List<StreamMessage<String, String, String>>> claim(String stream, String me, Collection<String> ids) {
        return streams.xclaim(stream, RedisKeys.WORKER_GROUP, me, Duration.ZERO, ids.toArray(String[]::new));
    }

    @Override
    public Uni<List<StreamMessage<String, String, String>>> readNew(String stream, String me, int count) {
        return streams.xreadgroup(RedisKeys.WORKER_GROUP, me, stream, ">", new XReadGroupArgs().count(count))
                .map(messages -> messages == null ? List.of() : messages);
    }

    @Override
    public Uni<Long> length(String stream) {
        return streams.xlen(stream);
    }

    @Override
    public Uni<Void> forget(String dead, String stream) {
        return redis.key().del(stream, keys.toolReplies(dead), keys.rescueLock(dead), keys.epoch(dead))
                .chain(() -> redis.set(String.class).srem(keys.workers(), dead)).replaceWithVoid();
    }
}
