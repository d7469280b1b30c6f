package dev.codeact.worker;

import dev.codeact.config.InstanceId;
import dev.codeact.config.LimitsConfig;
import dev.codeact.config.QueueConfig;
import dev.codeact.config.SessionConfig;
import dev.codeact.config.ToolsConfig;
import dev.codeact.config.WorkerConfig;
import dev.codeact.contract.CancelRequest;
import dev.codeact.contract.Job;
import dev.codeact.contract.KernelRelease;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.RedisKeys;
import dev.codeact.contract.ToolReply;
import dev.codeact.queue.StreamTail;
import dev.codeact.sandbox.SandboxLauncher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The worker role, put together: it reads jobs from the shared stream and from its own stream
 * (jobs of sessions whose kernel it holds; {@link JobReader}), runs each on its session's kernel
 * ({@link SessionScheduler}: one job at a time per session, in arrival order; {@link JobExecution}),
 * acknowledges and deletes the entry once the observation is stored, hears cancels and releases,
 * keeps its heartbeat ({@link Heartbeat}, {@link Rescuer}), and on SIGTERM hands back what it cannot
 * finish in time.
 */
@ApplicationScoped
public class WorkerService {

    private static final Logger LOG = Logger.getLogger(WorkerService.class);
    private static final int REMEMBERED_CANCELS = 10_000;
    private static final Duration REDIS_WAIT = Duration.ofSeconds(5);

    /**
     * What {@link #start} builds, in the order the parts need each other; everything after reads
     * them here. {@code toolReplies}: the gateways' answers to this worker's jobs' tool calls.
     */
    private record Parts(ExecutorService blocking, ScheduledExecutorService timers, KernelPool pool, JobExecution.Context jobs,
                         Rescuer rescuer, List<JobReader> readers, Heartbeat heartbeat, StreamTail<ToolReply> toolReplies,
                         List<Cancellable> subscriptions) {}

    private final WorkerConfig config;
    private final QueueConfig queue;
    private final SessionConfig sessions;
    private final RedisKeys keys;
    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final SandboxLauncher launcher;
    private final Vertx vertx;
    private final MeterRegistry meters;
    private final String workerId;
    private final AtomicInteger acking = new AtomicInteger();
    /** Jobs taken and not yet acknowledged. */
    private final SessionScheduler<JobExecution> scheduler = new SessionScheduler<>(REMEMBERED_CANCELS);
    /** Null until {@link #start}. */
    private volatile Parts parts;
    private final ToolsConfig tools;
    private final LimitsConfig limits;
    private volatile boolean running;
    private final Tracer tracer;

    public WorkerService(WorkerConfig config, QueueConfig queue, SessionConfig sessions, ToolsConfig tools, LimitsConfig limits,
                         RedisKeys keys, ReactiveRedisDataSource redis, SandboxLauncher launcher, InstanceId instance,
                         Vertx vertx, MeterRegistry meters, Tracer tracer) {
        this.tools = tools;
        this.limits = limits;
        this.meters = meters;
        this.tracer = tracer;
        this.config = config;
        this.queue = queue;
        this.sessions = sessions;
        this.keys = keys;
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.launcher = launcher;
        this.vertx = vertx;
        this.workerId = instance.get();
    }

    /** Called once, in a process that plays the worker role (see Roles). */
    public void start() {
        launcher.announce();
        ExecutorService blocking = Executors.newCachedThreadPool(daemon("worker-exec"));
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemon("worker-timers"));
        int cores = Runtime.getRuntime().availableProcessors();
        WorkerCapacity capacity = WorkerCapacity.of(config, cores);
        SessionAffinity affinity = new SessionAffinity(redis, keys, workerId, sessions.ttl());
        KernelShares shares = new KernelShares(redis, keys, limits.kernelsPerPrincipal(), config.idleTimeout());
        KernelPool pool = new KernelPool(launcher, blocking, config.warmPool(), config.maxKernels(),
                Math.max(1, config.sandboxStarts().orElse(cores)), (session, principal, reason) -> {
                    shares.forget(principal, session);
                    if (reason != null) {
                        affinity.lost(session, "it was stopped to make room (" + reason + ")");
                        LOG.infof("stopped the kernel of a session to make room: %s", reason);
                    }
                });
        JobExecution.Context jobs = new JobExecution.Context(pool, timers, ExecutionLimits.of(workerId, config, tools, launcher.mode()),
                tracer, affinity, shares, this::sinkFor, this::finished);
        Rescuer rescuer = new Rescuer(new RedisWorkerRoster(redis, keys, capacity.total()), keys, workerId, config.heartbeatTtl(),
                (stream, message, attempt) -> accept(stream, message, true, attempt));
        List<String> streamsRead = new ArrayList<>(keys.jobStreams());
        streamsRead.add(keys.workerJobs(workerId));
        List<JobReader> readers = streamsRead.stream().map(stream -> new JobReader(streams, stream, workerId, queue.blockTimeout(),
                queue.batch(), () -> capacity.running() - scheduler.size(), m -> accept(stream, m, false, 1), vertx)).toList();
        Heartbeat heartbeat = new Heartbeat(config, workerId, rescuer, pool, scheduler, readers, blocking, vertx);
        StreamTail<ToolReply> toolReplies = new StreamTail<>(redis, keys.toolReplies(workerId), queue, vertx, ToolReply.class,
                this::onToolReply);
        // Messages may come as soon as the subscriptions are made: what they need is in place first.
        List<Cancellable> subscriptions = new ArrayList<>();
        parts = new Parts(blocking, timers, pool, jobs, rescuer, readers, heartbeat, toolReplies, subscriptions);
        running = true;
        blocking.execute(() -> {
            try {
                launcher.claimStateDir();
            } catch (IOException e) {
                LOG.errorf("cannot use the sandbox state folder: %s", e.getMessage());
            }
            pool.refill();
        });
        Gauge.builder("codeact.worker.kernels", pool, KernelPool::size)
                .description("Session kernels alive on this worker").register(meters);
        Gauge.builder("codeact.worker.warm.sandboxes", pool, KernelPool::warmCount)
                .description("Started sandboxes waiting for a new session").register(meters);
        Gauge.builder("codeact.worker.warm.waiting", pool, KernelPool::waitingCount)
                .description("New sessions waiting for a sandbox started for the warm pool").register(meters);
        Gauge.builder("codeact.worker.jobs.in.flight", scheduler, SessionScheduler::size)
                .description("Jobs taken and not yet acknowledged").register(meters);
        subscriptions.add(redis.pubsub(String.class).subscribe(keys.cancelChannel())
                .subscribe().with(this::onCancel, e -> LOG.warnf("cancel channel failed: %s", e.getMessage())));
        subscriptions.add(redis.pubsub(String.class).subscribe(keys.releaseChannel())
                .subscribe().with(this::onRelease, e -> LOG.warnf("release channel failed: %s", e.getMessage())));
        toolReplies.start();
        rescuer.join()
                .chain(() -> Uni.join().all(readers.stream().map(JobReader::ensureGroup).toList()).andFailFast())
                .subscribe().with(v -> {
                    if (!running) {
                        return; // stopped while it joined
                    }
                    LOG.infof("worker %s reading %s (%d at a time, %d more may wait, %d warm sandboxes)", workerId,
                            String.join(", ", streamsRead), capacity.running(), capacity.waiting(), config.warmPool());
                    readers.forEach(JobReader::start);
                    heartbeat.start(); // renewals need the epoch the join gave
                }, e -> LOG.errorf("worker cannot start reading jobs: %s", e.getMessage()));
    }

    /**
     * SIGTERM: stop taking jobs, let running ones finish within the grace period, then hand back
     * the rest (left unacknowledged: another worker takes them over once this one's heartbeat is
     * gone, which is at once) and close every sandbox.
     */
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        Parts p = parts;
        p.readers().forEach(JobReader::stop);
        p.heartbeat().stop();
        p.subscriptions().forEach(Cancellable::cancel);
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while ((scheduler.any(JobExecution::running) || acking.get() > 0) && System.nanoTime() < deadline) {
            sleep(20);
        }
        p.toolReplies().stop();
        List<JobExecution> left = scheduler.all();
        left.forEach(JobExecution::abandon);
        if (!left.isEmpty()) {
            LOG.warnf("handing back %d unfinished job(s) to the other workers", left.size());
        }
        try {
            p.rescuer().retire().await().atMost(REDIS_WAIT);
        } catch (RuntimeException redisAway) {
            // The sandboxes must go anyway; peers take the jobs over once the heartbeat expires.
            LOG.warnf("could not tell Redis this worker is leaving (%s): its heartbeat expires instead",
                    redisAway.getMessage());
        }
        p.pool().closeAll();
        p.blocking().shutdownNow();
        p.timers().shutdownNow();
        launcher.removeState();
    }

    /** For the readiness check: null when this worker can take jobs, else why not. */
    public String notReadyReason() {
        Parts p = parts;
        if (!running || p == null) {
            return "not started";
        }
        if (!p.rescuer().live()) {
            return "its lease is not renewed (Redis out of reach, or the worker starved?)";
        }
        for (JobReader reader : p.readers()) {
            if (reader.failure() != null) {
                return "cannot read " + reader.stream() + ": " + reader.failure();
            }
        }
        if (p.toolReplies().failure() != null) {
            return "cannot read its tool replies: " + p.toolReplies().failure();
        }
        String failure = p.pool().lastStartFailure();
        return failure == null ? null : "sandboxes do not start: " + failure;
    }

    public int kernels() {
        Parts p = parts;
        return p == null ? 0 : p.pool().size();
    }

    private void accept(String stream, StreamMessage<String, String, String> message, boolean rescued, int attempt) {
        Job job;
        try {
            job = QueueCodec.decode(message.payload().get(QueueCodec.FIELD), Job.class);
        } catch (IllegalArgumentException e) {
            // Nobody can be answered (the reply address may be what is broken): log and drop it.
            LOG.errorf("dropping bad job entry %s on %s: %s", message.id(), stream, e.getMessage());
            ack(stream, message.id());
            return;
        }
        JobExecution execution = new JobExecution(job, new JobExecution.Entry(stream, message.id(), rescued, attempt), parts.jobs());
        SessionScheduler.Admission admission = scheduler.admit(job.jobId(), job.session(), execution);
        if (admission.kind() == SessionScheduler.Kind.DUPLICATE) {
            // Delivered twice (a takeover raced a redelivery): one run per job on this worker.
            LOG.warnf("job %s is already here; ignoring a second delivery", job.jobId());
            return;
        }
        if (admission.cancelledEarly()) {
            execution.cancel();
        }
        if (admission.kind() == SessionScheduler.Kind.START) {
            parts.blocking().execute(execution::start);
        }
    }

    private ResultSink sinkFor(Job job, int attempt, Runnable onStored) {
        Parts p = parts;
        return new ResultSink(redis.getRedis()::batch, job.replyTo(), queue.resultsMaxLen(), queue.retryWindow(), p.timers(), attempt,
                p.rescuer()::live, onStored);
    }

    /**
     * The job's observation is stored: acknowledge it, stop its kernel if an eviction waited for
     * the action's end, start its session's next job (in that order), read more.
     */
    private void finished(JobExecution done) {
        Job job = done.job();
        JobExecution next = scheduler.finish(job.jobId(), job.session(), done);
        boolean startNext = next != null && running;
        Parts p = parts;
        p.blocking().execute(() -> {
            p.pool().actionEnded(job.session());
            if (startNext) {
                next.start();
            }
        });
        ack(done.entry().stream(), done.entry().id());
        p.readers().forEach(JobReader::poll);
    }

    /**
     * Acknowledged and deleted (one pipelined round trip): the stream's length is then the work
     * still waiting or running.
     */
    private void ack(String stream, String entryId) {
        acking.incrementAndGet();
        redis.getRedis().batch(List.of(Request.cmd(Command.XACK).arg(stream).arg(RedisKeys.WORKER_GROUP).arg(entryId),
                        Request.cmd(Command.XDEL).arg(stream).arg(entryId)))
                .eventually(acking::decrementAndGet)
                .subscribe().with(n -> { }, e -> LOG.warnf("XACK/XDEL %s on %s failed: %s", entryId, stream, e.getMessage()));
    }

    private void onCancel(String payload) {
        CancelRequest request;
        try {
            request = QueueCodec.decode(payload, CancelRequest.class);
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring bad cancel message: %s", e.getMessage());
            return;
        }
        // Remembered when its job is not here yet; one that runs is interrupted.
        JobExecution execution = scheduler.cancel(request.jobId());
        if (execution != null) {
            parts.blocking().execute(execution::cancel);
        }
    }

    /** An answer to a tool call: written to the kernel of the job that made it (a pipe write, so off the event loop). */
    private void onToolReply(ToolReply reply) {
        JobExecution execution = scheduler.find(reply.jobId());
        if (execution != null && execution.job().session().equals(reply.session())) {
            parts.blocking().execute(() -> execution.answerTool(reply));
        }
    }

    /** A gateway let go of a session: its kernel stops now rather than after the idle timeout. */
    private void onRelease(String payload) {
        KernelRelease release;
        try {
            release = QueueCodec.decode(payload, KernelRelease.class);
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring bad release message: %s", e.getMessage());
            return;
        }
        Parts p = parts;
        p.blocking().execute(() -> {
            if (p.pool().release(release.session(), release.reason())) {
                LOG.debugf("stopped the kernel of released session %s", release.session());
            }
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
