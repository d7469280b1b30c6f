package dev.codeact.worker;

import dev.codeact.contract.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XPendingArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The worker roster in Redis: a heartbeat key with a TTL per worker, a set of workers, SETNX locks, XPENDING/XCLAIM. */
final class RedisWorkerRoster implements WorkerRoster {

    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final RedisKeys keys;

    RedisWorkerRoster(ReactiveRedisDataSource redis, RedisKeys keys) {
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.keys = keys;
    }

    @Override
    public Uni<Void> announce(String worker, Duration ttl) {
        return redis.value(String.class).set(keys.heartbeat(worker), Long.toString(System.currentTimeMillis()), new SetArgs().px(ttl))
                .chain(() -> redis.set(String.class).sadd(keys.workers(), worker)).replaceWithVoid();
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
    public Uni<Boolean> alive(String worker) {
        return redis.key().exists(keys.heartbeat(worker));
    }

    @Override
    public Uni<Boolean> lock(String dead, String me, Duration hold) {
        String lock = keys.rescueLock(dead);
        return redis.value(String.class).setnx(lock, me)
                .flatMap(locked -> locked
                        ? redis.key().pexpire(lock, hold).replaceWith(true)
                        : redis.value(String.class).get(lock).map(me::equals));
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
        return redis.key().del(stream, keys.toolReplies(dead), keys.rescueLock(dead))
                .chain(() -> redis.set(String.class).srem(keys.workers(), dead)).replaceWithVoid();
    }
}
