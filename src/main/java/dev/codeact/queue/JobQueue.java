package dev.codeact.queue;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** The gateway's side of the job stream: submit an action, ask for its cancellation. */
@ApplicationScoped
public class JobQueue {

    private final ReactiveStreamCommands<String, String, String> streams;
    private final ReactivePubSubCommands<String> pubsub;
    private final RedisKeys keys;

    public JobQueue(ReactiveRedisDataSource redis, RedisKeys keys) {
        this.streams = redis.stream(String.class);
        this.pubsub = redis.pubsub(String.class);
        this.keys = keys;
    }

    public Uni<String> submit(Job job) {
        return streams.xadd(keys.jobs(), Map.of(QueueCodec.FIELD, QueueCodec.encode(job)));
    }

    public Uni<Void> cancel(String session, String jobId) {
        return pubsub.publish(keys.cancelChannel(), QueueCodec.encode(new CancelRequest(QueueCodec.VERSION, session, jobId)));
    }
}
