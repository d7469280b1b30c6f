package dev.codeact.worker;

import dev.codeact.config.CodeactConfig;
import dev.codeact.config.QueueConfig;
import dev.codeact.config.WorkerConfig;
import dev.codeact.queue.CancelRequest;
import dev.codeact.queue.InstanceId;
import dev.codeact.queue.Job;
import dev.codeact.queue.QueueCodec;
import dev.codeact.queue.RedisKeys;
import dev.codeact.sandbox.SandboxLauncher;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The worker role: reads jobs from the consumer group, runs each on its session's kernel (one
 * job at a time per session, in arrival order), sends results to the gateway that asked, and
 * acknowledges the job once its observation is stored.
 */
@ApplicationScoped
public class WorkerService {

    private static final Logger LOG = Logger.getLogger(WorkerService.class);
    private static final int REMEMBERED_CANCELS = 10_000;

    private final CodeactConfig roles;
    private final WorkerConfig config;
    private final QueueConfig queue;
    private final RedisKeys keys;
    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final SandboxLauncher launcher;
    private final Vertx vertx;
    private final String workerId;
    private final AtomicBoolean reading = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, ArrayDeque<JobExecution>> bySession = new HashMap<>();
    private final Map<String, JobExecution> byJob = new HashMap<>();
    /** Cancels that arrived before their job: the job is then answered without running. */
    private final Map<String, Boolean> cancelledEarly = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_CANCELS;
        }
    };
    private KernelPool pool;
    private ExecutorService blocking;
    private ScheduledExecutorService timers;
    private Cancellable cancelSubscription;
    private volatile boolean running;

    public WorkerService(CodeactConfig roles, WorkerConfig config, QueueConfig queue, RedisKeys keys,
                         ReactiveRedisDataSource redis, SandboxLauncher launcher, InstanceId instance, Vertx vertx) {
        this.roles = roles;
        this.config = config;
        this.queue = queue;
        this.keys = keys;
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.launcher = launcher;
        this.vertx = vertx;
        this.workerId = instance.get();
    }

    void onStart(@Observes StartupEvent event) {
        if (!roles.worker()) {
            return;
        }
        launcher.announce();
        pool = new KernelPool(launcher);
        blocking = Executors.newCachedThreadPool(daemon("worker-exec"));
        timers = Executors.newSingleThreadScheduledExecutor(daemon("worker-timers"));
        running = true;
        cancelSubscription = redis.pubsub(String.class).subscribe(keys.cancelChannel())
                .subscribe().with(this::onCancel, e -> LOG.warnf("cancel channel failed: %s", e.getMessage()));
        streams.xgroupCreate(keys.jobs(), RedisKeys.WORKER_GROUP, "0", new XGroupCreateArgs().mkstream())
                .onFailure(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")).recoverWithNull()
                .subscribe().with(v -> {
                    LOG.infof("worker %s reading %s (group %s, %d at a time)", workerId, keys.jobs(),
                            RedisKeys.WORKER_GROUP, config.concurrency());
                    poll();
                }, e -> LOG.errorf("worker cannot create its consumer group: %s", e.getMessage()));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (!running) {
            return;
        }
        running = false;
        if (cancelSubscription != null) {
            cancelSubscription.cancel();
        }
        pool.closeAll();
        blocking.shutdownNow();
        timers.shutdownNow();
        launcher.removeState();
    }

    public int kernels() {
        return pool == null ? 0 : pool.size();
    }

    private void poll() {
        if (!running || inFlight.get() >= config.concurrency() || !reading.compareAndSet(false, true)) {
            return;
        }
        int room = Math.min(queue.batch(), config.concurrency() - inFlight.get());
        streams.xreadgroup(RedisKeys.WORKER_GROUP, workerId, keys.jobs(), ">",
                        new XReadGroupArgs().count(room).block(queue.blockTimeout()))
                .subscribe().with(messages -> {
                    reading.set(false);
                    if (messages != null) {
                        messages.forEach(this::accept);
                    }
                    poll();
                }, error -> {
                    reading.set(false);
                    if (running) {
                        LOG.warnf("reading jobs failed, retrying in 1 s: %s", error.getMessage());
                        vertx.setTimer(1000, t -> poll());
                    }
                });
    }

    private void accept(StreamMessage<String, String, String> message) {
        Job job;
        try {
            job = QueueCodec.decode(message.payload().get(QueueCodec.FIELD), Job.class);
        } catch (IllegalArgumentException e) {
            // Nobody can be answered (the reply address may be what is broken): log and drop it.
            LOG.errorf("dropping bad job entry %s: %s", message.id(), e.getMessage());
            ack(message.id());
            return;
        }
        inFlight.incrementAndGet();
        ResultSink sink = new ResultSink(streams, job.replyTo(), queue.resultsMaxLen(), () -> finished(job, message.id()));
        JobExecution execution = new JobExecution(job, new JobExecution.Env(pool, timers, workerId, launcher.mode().label(),
                config.interruptGrace().toMillis(), config.maxOutputChars()), sink);
        boolean startNow;
        synchronized (this) {
            byJob.put(job.jobId(), execution);
            if (cancelledEarly.remove(job.jobId()) != null) {
                execution.cancel();
            }
            ArrayDeque<JobExecution> waiting = bySession.computeIfAbsent(job.session(), s -> new ArrayDeque<>());
            waiting.addLast(execution);
            startNow = waiting.size() == 1;
        }
        if (startNow) {
            blocking.execute(execution::start);
        }
    }

    private void finished(Job job, String entryId) {
        JobExecution next;
        synchronized (this) {
            byJob.remove(job.jobId());
            ArrayDeque<JobExecution> waiting = bySession.get(job.session());
            waiting.pollFirst();
            next = waiting.peekFirst();
            if (next == null) {
                bySession.remove(job.session());
            }
        }
        if (next != null) {
            blocking.execute(next::start);
        }
        ack(entryId);
        inFlight.decrementAndGet();
        poll();
    }

    private void ack(String entryId) {
        streams.xack(keys.jobs(), RedisKeys.WORKER_GROUP, entryId).subscribe().with(n -> { },
                e -> LOG.warnf("XACK %s failed: %s", entryId, e.getMessage()));
    }

    private void onCancel(String payload) {
        CancelRequest request;
        try {
            request = QueueCodec.decode(payload, CancelRequest.class);
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring bad cancel message: %s", e.getMessage());
            return;
        }
        JobExecution execution;
        synchronized (this) {
            execution = byJob.get(request.jobId());
            if (execution == null) {
                cancelledEarly.put(request.jobId(), Boolean.TRUE);
            }
        }
        if (execution != null) {
            blocking.execute(execution::cancel);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
