package dev.codeact.worker;

import dev.codeact.config.WorkerConfig;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The worker's periodic duties: it renews its heartbeat (and its kernels' watchdogs), looks for
 * dead peers to take over, stops kernels idle too long, and fences itself when its own heartbeat
 * may have lapsed.
 */
final class Heartbeat {

    private static final Logger LOG = Logger.getLogger(Heartbeat.class);

    private final WorkerConfig config;
    private final String workerId;
    private final Rescuer rescuer;
    private final KernelPool pool;
    private final SessionScheduler<JobExecution> scheduler;
    private final List<JobReader> readers;
    private final ExecutorService blocking;
    private final Vertx vertx;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final AtomicBoolean fencing = new AtomicBoolean();
    private volatile boolean running;
    private long heartbeatTimer;
    private long reapTimer;

    Heartbeat(WorkerConfig config, String workerId, Rescuer rescuer, KernelPool pool, SessionScheduler<JobExecution> scheduler,
              List<JobReader> readers, ExecutorService blocking, Vertx vertx) {
        this.config = config;
        this.workerId = workerId;
        this.rescuer = rescuer;
        this.pool = pool;
        this.scheduler = scheduler;
        this.readers = readers;
        this.blocking = blocking;
        this.vertx = vertx;
    }

    void start() {
        running = true;
        heartbeatTimer = vertx.setPeriodic(config.heartbeatInterval().toMillis(), t -> beat());
        long reapEvery = Math.max(1000, Math.min(config.idleTimeout().toMillis() / 4, 60_000));
        reapTimer = vertx.setPeriodic(reapEvery, t -> blocking.execute(this::reapIdle));
    }

    void stop() {
        running = false;
        vertx.cancelTimer(heartbeatTimer);
        vertx.cancelTimer(reapTimer);
    }

    private void beat() {
        if (!running) {
            return;
        }
        if (!rescuer.live() && fencing.compareAndSet(false, true)) {
            blocking.execute(() -> {
                try {
                    fence();
                } finally {
                    fencing.set(false);
                }
            });
            return;
        }
        rescuer.announce().subscribe().with(v -> blocking.execute(pool::keepAlive),
                e -> LOG.warnf("heartbeat failed: %s", e.getMessage()));
        if (sweeping.compareAndSet(false, true)) {
            rescuer.sweep().eventually(() -> sweeping.set(false))
                    .subscribe().with(v -> { }, e -> LOG.warnf("looking for dead workers failed: %s", e.getMessage()));
        }
    }

    private void reapIdle() {
        List<String> reaped = pool.reapIdle(config.idleTimeout());
        if (!reaped.isEmpty()) {
            LOG.infof("stopped %d kernel(s) idle for more than %s", reaped.size(), config.idleTimeout());
        }
    }

    /**
     * This worker's heartbeat may have expired (a long pause, or Redis out of reach): peers may
     * have declared it dead and be running its jobs on fresh kernels. So it stops every job it runs
     * (no result of them is written) and every session kernel (their sessions go on elsewhere, or
     * on a fresh kernel here that says so), announces itself again and takes back those of its jobs
     * nobody took over, as new attempts. Blocking: runs on a worker thread.
     */
    private void fence() {
        List<JobExecution> stopped = scheduler.clear();
        stopped.forEach(JobExecution::abandon);
        int kernels = pool.dropSessions();
        if (!stopped.isEmpty() || kernels > 0) {
            LOG.warnf("worker %s missed its heartbeat (paused, or cut off from Redis, for about %d ms or more) and may "
                    + "have been declared dead: stopped %d job(s) and %d session kernel(s)", workerId,
                    config.heartbeatTtl().toMillis(), stopped.size(), kernels);
        }
        rescuer.announce().chain(rescuer::reclaimOwn).subscribe().with(n -> {
            if (n > 0) {
                LOG.infof("worker %s took back %d of its jobs nobody else took over", workerId, n);
            }
            readers.forEach(JobReader::poll);
        }, e -> LOG.warnf("worker %s cannot reach Redis to rejoin: %s", workerId, e.getMessage()));
    }
}
