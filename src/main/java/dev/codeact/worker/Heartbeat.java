package dev.codeact.worker;

import dev.codeact.config.WorkerConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The worker's periodic duties: it keeps its kernels' watchdogs fed, renews its lease, looks for
 * dead peers to take over, and stops kernels idle too long. It gives up its jobs and kernels only
 * when a renewal shows that a peer actually took it over (the lease's epoch moved on); a renewal
 * that is merely late, or that Redis could not answer for a while, costs nothing.
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
    /** A renewal, or the rejoin after a takeover, is under way: one at a time, so a rejoin is never judged by a renewal of the epoch before it. */
    private final AtomicBoolean leasing = new AtomicBoolean();
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
        // This process is alive whatever Redis says: its kernels end on a known takeover (below),
        // or after codeact.worker.kernel-watchdog if the process itself stops.
        blocking.execute(pool::keepAlive);
        if (leasing.compareAndSet(false, true)) {
            boolean late = !rescuer.live();
            rescuer.renew()
                    .flatMap(kept -> kept ? Uni.createFrom().voidItem().invoke(() -> renewed(late)) : takenOver())
                    .eventually(() -> leasing.set(false))
                    .subscribe().with(v -> { }, e -> LOG.warnf("worker %s cannot renew its lease (%s): its results wait "
                            + "until it can, and it keeps its kernels", workerId, e.getMessage()));
        }
        if (sweeping.compareAndSet(false, true)) {
            rescuer.sweep().eventually(() -> sweeping.set(false))
                    .subscribe().with(v -> { }, e -> LOG.warnf("looking for dead workers failed: %s", e.getMessage()));
        }
    }

    private void renewed(boolean late) {
        if (late) {
            LOG.infof("worker %s renewed its lease late (starved, paused, or cut off from Redis) and nobody had taken it "
                    + "over: its %d kernel(s) and %d job(s) go on", workerId, pool.size(), scheduler.size());
        }
    }

    private void reapIdle() {
        List<String> reaped = pool.reapIdle(config.idleTimeout());
        if (!reaped.isEmpty()) {
            LOG.infof("stopped %d kernel(s) idle for more than %s", reaped.size(), config.idleTimeout());
        }
    }

    /**
     * A peer advanced this worker's epoch: it has taken the jobs over and runs them on fresh
     * kernels. So this worker stops every job it runs (none of their results is written) and every
     * session kernel, before it writes anything else; then it joins again with a new epoch and
     * takes back, as new attempts, those of its jobs the peer had not claimed.
     */
    private Uni<Void> takenOver() {
        long lost = rescuer.epoch();
        return Uni.createFrom().item(() -> {
            List<JobExecution> stopped = scheduler.clear();
            stopped.forEach(JobExecution::abandon);
            int kernels = pool.dropSessions(true);
            LOG.warnf("worker %s was taken over by a peer (its lease epoch %d moved on): stopped %d job(s) and %d session "
                    + "kernel(s), which run on the peer", workerId, lost, stopped.size(), kernels);
            return kernels;
        }).runSubscriptionOn(blocking)
                .chain(rescuer::join)
                .chain(rescuer::reclaimOwn)
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof("worker %s took back %d of its jobs nobody else took over", workerId, n);
                    }
                    readers.forEach(JobReader::poll);
                }).replaceWithVoid();
    }
}
