package dev.codeact.queue;

import dev.codeact.config.QueueConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * The gateway's side of the job streams. A job goes to the worker that holds its session's kernel
 * while that worker's heartbeat lives, else to the session's shard of the shared streams, which
 * every worker reads. A full stream
 * refuses the job: nothing is dropped silently.
 */
@ApplicationScoped
public class JobQueue {

    /** The target stream is at {@code codeact.queue.max-jobs}. */
    public static final class OverloadedException extends RuntimeException {
        OverloadedException(String message) {
            super(message, null, false, false);
        }
    }

    private final ReactiveStreamCommands<String, String, String> streams;
    private final ReactiveValueCommands<String, String> values;
    private final ReactiveKeyCommands<String> keyCommands;
    private final ReactivePubSubCommands<String> pubsub;
    private final RedisKeys keys;
    private final QueueConfig config;

    public JobQueue(ReactiveRedisDataSource redis, RedisKeys keys, QueueConfig config) {
        this.streams = redis.stream(String.class);
        this.values = redis.value(String.class);
        this.keyCommands = redis.key();
        this.pubsub = redis.pubsub(String.class);
        this.keys = keys;
        this.config = config;
    }

    /** Completes with the stream the job went to; fails with {@link OverloadedException} when full. */
    public Uni<String> submit(Job job) {
        String payload = QueueCodec.encode(job);
        return target(job.session()).flatMap(stream -> streams.xlen(stream).flatMap(length -> {
            if (length >= config.maxJobs()) {
                return Uni.createFrom().failure(new OverloadedException(
                        "the job queue is full (" + length + " actions waiting or running); try again shortly"));
            }
            return streams.xadd(stream, Map.of(QueueCodec.FIELD, payload)).replaceWith(stream);
        }));
    }

    private Uni<String> target(String session) {
        return values.get(keys.affinity(session)).flatMap(worker -> worker == null
                ? Uni.createFrom().item(keys.jobs(session))
                : keyCommands.exists(keys.heartbeat(worker)).map(alive -> alive ? keys.workerJobs(worker) : keys.jobs(session)));
    }

    /** The session left the gateway: its kernel (and what its code started) is stopped. */
    public Uni<Void> releaseKernel(String session) {
        return pubsub.publish(keys.releaseChannel(), QueueCodec.encode(new KernelRelease(QueueCodec.VERSION, session)));
    }

    public Uni<Void> cancel(String session, String jobId) {
        return pubsub.publish(keys.cancelChannel(), QueueCodec.encode(new CancelRequest(QueueCodec.VERSION, session, jobId)));
    }
}
