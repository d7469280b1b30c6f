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
 * every worker reads. A full shared stream refuses the job: nothing is dropped silently. A
 * worker's own stream has no length check: it holds at most one job per session whose kernel the
 * worker holds, and those are capped by {@code codeact.worker.max-kernels}.
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

    /**
     * Completes with the stream the job went to; fails with {@link OverloadedException} when full.
     *
     * @param knownWorker the worker that ran the session's last action, as its result said (null
     *                    if none): it saves reading the session's affinity key, so a warm
     *                    session's job costs two round trips (heartbeat, XADD)
     */
    public Uni<String> submit(Job job, String knownWorker) {
        Map<String, String> entry = Map.of(QueueCodec.FIELD, QueueCodec.encode(job));
        Uni<String> holder = knownWorker != null ? Uni.createFrom().item(knownWorker) : values.get(keys.affinity(job.session()));
        return holder.flatMap(worker -> (worker == null ? Uni.createFrom().item(false) : keyCommands.exists(keys.heartbeat(worker)))
                .flatMap(alive -> {
                    if (alive) {
                        String stream = keys.workerJobs(worker);
                        return streams.xadd(stream, entry).replaceWith(stream);
                    }
                    String shared = keys.jobs(job.session());
                    return streams.xlen(shared).flatMap(length -> length >= config.maxJobs()
                            ? Uni.createFrom().failure(new OverloadedException(
                                    "the job queue is full (" + length + " actions waiting or running); try again shortly"))
                            : streams.xadd(shared, entry).replaceWith(shared));
                }));
    }

    /** The session left the gateway: its kernel (and what its code started) is stopped. */
    public Uni<Void> releaseKernel(String session) {
        return pubsub.publish(keys.releaseChannel(), QueueCodec.encode(new KernelRelease(QueueCodec.VERSION, session)));
    }

    public Uni<Void> cancel(String session, String jobId) {
        return pubsub.publish(keys.cancelChannel(), QueueCodec.encode(new CancelRequest(QueueCodec.VERSION, session, jobId)));
    }
}
