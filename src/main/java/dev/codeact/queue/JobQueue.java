package dev.codeact.queue;

import dev.codeact.config.QueueConfig;
import dev.codeact.contract.CancelRequest;
import dev.codeact.contract.Job;
import dev.codeact.contract.KernelRelease;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.ToolReply;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.XAddArgs;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.redis.client.ResponseType;
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
public class JobQueue implements ActionQueue {

    /** Adds the job to a worker's stream only while that worker's heartbeat lives (else nil). */
    private static final String TO_LIVE_WORKER = "if redis.call('EXISTS', KEYS[1]) == 1 then "
            + "return redis.call('XADD', KEYS[2], '*', ARGV[1], ARGV[2]) end return false";

    private static final long TOOL_REPLIES_KEPT = 1000;

    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final ReactiveValueCommands<String, String> values;
    private final ReactivePubSubCommands<String> pubsub;
    private final RedisKeys keys;
    private final QueueConfig config;

    public JobQueue(ReactiveRedisDataSource redis, RedisKeys keys, QueueConfig config) {
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.values = redis.value(String.class);
        this.pubsub = redis.pubsub(String.class);
        this.keys = keys;
        this.config = config;
    }

    /**
     * {@inheritDoc} The known worker saves reading the session's affinity key, so a warm session's
     * job costs one round trip (the script that checks the worker's heartbeat and adds the job to
     * its stream).
     */
    @Override
    public Uni<String> submit(Job job, String knownWorker) {
        String payload = QueueCodec.encode(job);
        Uni<String> holder = knownWorker != null ? Uni.createFrom().item(knownWorker) : values.get(keys.affinity(job.session()));
        return holder.flatMap(worker -> {
            if (worker == null) {
                return toShared(job, payload);
            }
            String stream = keys.workerJobs(worker);
            return redis.execute(Command.EVAL, TO_LIVE_WORKER, "2", keys.heartbeat(worker), stream, QueueCodec.FIELD, payload)
                    // An entry id (a bulk string); the script's false is a null (RESP2) or a boolean (RESP3).
                    .flatMap(id -> id != null && id.type() == ResponseType.BULK ? Uni.createFrom().item(stream)
                            : toShared(job, payload));
        });
    }

    private Uni<String> toShared(Job job, String payload) {
        String shared = keys.jobs(job.session());
        return streams.xlen(shared).flatMap(length -> length >= config.maxJobs()
                ? Uni.createFrom().failure(new OverloadedException(
                        "the job queue is full (" + length + " actions waiting or running); try again shortly"))
                : streams.xadd(shared, Map.of(QueueCodec.FIELD, payload)).replaceWith(shared));
    }

    /** The session left the gateway: its kernel (and what its code started) is stopped. */
    public Uni<Void> releaseKernel(String session) {
        return pubsub.publish(keys.releaseChannel(), QueueCodec.encode(new KernelRelease(QueueCodec.VERSION, session, null)));
    }

    /**
     * One XADD to the worker's reply stream, trimmed to about {@value #TOOL_REPLIES_KEPT} entries:
     * the worker reads each as it comes, so older ones are read already.
     */
    @Override
    public Uni<Void> answerTool(String worker, ToolReply reply) {
        return streams.xadd(keys.toolReplies(worker), new XAddArgs().maxlen(TOOL_REPLIES_KEPT).nearlyExactTrimming(),
                Map.of(QueueCodec.FIELD, QueueCodec.encode(reply))).replaceWithVoid();
    }

    @Override
    public Uni<Void> cancel(String session, String jobId) {
        return pubsub.publish(keys.cancelChannel(), QueueCodec.encode(new CancelRequest(QueueCodec.VERSION, session, jobId)));
    }
}
