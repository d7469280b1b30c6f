package dev.codeact.worker;

import dev.codeact.sandbox.Kernel;
import dev.codeact.sandbox.SandboxLauncher;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.jboss.logging.Logger;

/**
 * The kernels of this worker: one per session, plus a few warm sandboxes started ahead of need
 * (a cold runsc start costs ≈ 0.3–0.4 s) that go to the next new sessions. When it holds
 * {@code max-kernels}, a new session's kernel takes the place of an idle one: the least recently
 * used of the principal holding the most kernels here, so one principal's many sessions give way
 * before anyone else's few.
 */
final class KernelPool {

    private static final Logger LOG = Logger.getLogger(KernelPool.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** A session's kernel; {@code fresh} when it was just assigned (no earlier state in it). */
    record Lease(Kernel kernel, boolean fresh) {}

    private static final class Held {
        final Kernel kernel;
        final String principal;
        volatile long lastUsed = System.nanoTime();
        /** Why to stop it once its action ends (an eviction that found it busy); null: keep it. */
        volatile String evictWhenIdle;

        Held(Kernel kernel, String principal) {
            this.kernel = kernel;
            this.principal = principal;
        }
    }

    /** Told of every session kernel that stopped, on the thread that stopped it. */
    interface Gone {
        /** @param reason why its state was taken while it still mattered (an eviction); null when nobody needs telling */
        void gone(String session, String principal, String reason);
    }

    static final String WORKER_FULL = "its worker holds codeact.worker.max-kernels interpreters, and this was the one used "
            + "least recently by the principal holding the most of them";

    private final SandboxLauncher launcher;
    private final Executor blocking;
    /** Sandboxes starting at once: a start waits here, so its ready timeout counts only its own start. */
    private final Semaphore starts;
    private final int warmTarget;
    private final int maxKernels;
    private final Map<String, Held> bySession = new ConcurrentHashMap<>();
    private final Gone gone;
    private final ArrayDeque<Kernel> warm = new ArrayDeque<>();
    private int starting;
    /** New sessions waiting in {@link #takeWarm} for a start under way, one each. */
    private int waiting;
    private volatile boolean closed;
    /** Why the last sandbox start failed; null once one started. */
    private volatile String lastStartFailure;

    KernelPool(SandboxLauncher launcher, Executor blocking, int warmTarget, int maxKernels, int startsAtOnce, Gone gone) {
        this.gone = gone;
        this.starts = new Semaphore(startsAtOnce, true);
        this.maxKernels = maxKernels;
        this.launcher = launcher;
        this.blocking = blocking;
        this.warmTarget = warmTarget;
    }

    /** No kernel for one more session: this worker holds {@code max-kernels}. */
    static final class FullException extends IOException {
        FullException(String message) {
            super(message);
        }
    }

    /** Blocking when no warm kernel is left: call from a worker thread. */
    Lease forSession(String session, String principal) throws IOException {
        Held held = bySession.get(session);
        if (held != null && held.kernel.isAlive()) {
            held.lastUsed = System.nanoTime();
            return new Lease(held.kernel, false);
        }
        if (held != null) {
            drop(session, held.kernel);
        }
        if (bySession.size() >= maxKernels && !evictOne()) {
            throw new FullException("this worker runs " + bySession.size() + " session kernels, its limit "
                    + "(codeact.worker.max-kernels), every one of them busy; try again when an action has ended");
        }
        Kernel kernel = takeWarm();
        if (kernel == null) {
            kernel = startTracked();
        }
        bySession.put(session, new Held(kernel, principal));
        refill();
        return new Lease(kernel, true);
    }

    /** Stops the idle kernel that gives way first (see the class); false when every kernel is busy. */
    private boolean evictOne() {
        Map<String, Integer> perPrincipal = new HashMap<>();
        bySession.values().forEach(h -> perPrincipal.merge(String.valueOf(h.principal), 1, Integer::sum));
        Comparator<Map.Entry<String, Held>> order = Comparator
                .<Map.Entry<String, Held>>comparingInt(e -> -perPrincipal.get(String.valueOf(e.getValue().principal)))
                .thenComparingLong(e -> e.getValue().lastUsed);
        List<Map.Entry<String, Held>> idle = bySession.entrySet().stream()
                .filter(e -> !e.getValue().kernel.isBusy()).sorted(order).toList();
        for (Map.Entry<String, Held> victim : idle) {
            if (bySession.remove(victim.getKey(), victim.getValue())) {
                stop(victim.getKey(), victim.getValue(), WORKER_FULL);
                return true;
            }
        }
        return false;
    }

    private void stop(String session, Held held, String reason) {
        held.kernel.destroy();
        gone.gone(session, held.principal, reason);
    }

    /**
     * A warm kernel, waiting for one whose start is under way: it is ready sooner than a cold start
     * begun now, which would queue behind it for {@link #starts} (after a scale from zero, the first
     * session's action would otherwise wait for the whole warm pool to start and then its own).
     * Only as many sessions wait as starts are under way; null when none is warm or unclaimed: the
     * caller starts one.
     */
    private synchronized Kernel takeWarm() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        boolean claimed = false;
        try {
            while (true) {
                while (!warm.isEmpty()) {
                    Kernel k = warm.pollFirst();
                    if (k.isAlive()) {
                        return k;
                    }
                    k.destroy();
                }
                long left = deadline - System.nanoTime();
                if (!claimed && waiting >= starting || starting == 0 || closed || left <= 0) {
                    return null;
                }
                if (!claimed) {
                    claimed = true;
                    waiting++;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a warm sandbox", e);
        } finally {
            if (claimed) {
                waiting--;
            }
        }
    }

    /** Starts sandboxes in the background until the warm pool is full again. */
    synchronized void refill() {
        while (!closed && warm.size() + starting < warmTarget) {
            starting++;
            blocking.execute(() -> {
                Kernel k = null;
                try {
                    k = startTracked();
                } catch (IOException e) {
                    if (!closed) { // at shutdown, starts are interrupted on purpose
                        LOG.warnf("warm sandbox did not start: %s", e.getMessage());
                    }
                }
                synchronized (this) {
                    starting--;
                    if (k != null && !closed) {
                        warm.addLast(k);
                        k = null;
                    }
                    notifyAll();
                }
                if (k != null) {
                    k.destroy();
                }
            });
        }
    }

    private Kernel startTracked() throws IOException {
        try {
            starts.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to start a sandbox", e);
        }
        try {
            Kernel k = Kernel.start(launcher, READY_TIMEOUT);
            lastStartFailure = null;
            return k;
        } catch (IOException e) {
            lastStartFailure = e.getMessage();
            throw e;
        } finally {
            starts.release();
        }
    }

    String lastStartFailure() {
        return lastStartFailure;
    }

    void drop(String session, Kernel kernel) {
        Held held = bySession.get(session);
        if (held != null && held.kernel == kernel && bySession.remove(session, held)) {
            stop(session, held, null);
        } else {
            kernel.destroy();
        }
    }

    /**
     * Stops the session's kernel unless an action runs on it; true when one was stopped. With a
     * {@code reason} (an eviction) a busy kernel is stopped once its action ends ({@link #actionEnded}).
     */
    boolean release(String session, String reason) {
        Held held = bySession.get(session);
        if (held == null) {
            return false;
        }
        if (held.kernel.isBusy()) {
            if (reason != null) {
                held.evictWhenIdle = reason;
            }
            return false;
        }
        if (!bySession.remove(session, held)) {
            return false;
        }
        stop(session, held, reason);
        return true;
    }

    /** The session's action ended: its kernel goes now if an eviction waited for that. */
    void actionEnded(String session) {
        Held held = bySession.get(session);
        if (held != null && held.evictWhenIdle != null && !held.kernel.isBusy() && bySession.remove(session, held)) {
            stop(session, held, held.evictWhenIdle);
        }
    }

    /** Tells every kernel, warm ones too, that this worker is alive (see the kernel's watchdog). Blocking writes. */
    void keepAlive() {
        List<Kernel> all = new ArrayList<>();
        synchronized (this) {
            all.addAll(warm);
        }
        bySession.values().forEach(h -> all.add(h.kernel));
        all.forEach(Kernel::keepAlive);
    }

    /**
     * Stops every session's kernel (warm ones stay); returns how many. After a takeover they are
     * not {@link Gone} (the peer that took the sessions over counts their new kernels); at
     * shutdown they are.
     */
    int dropSessions(boolean takenOver) {
        Map<String, Held> all = new HashMap<>(bySession);
        bySession.clear();
        all.entrySet().parallelStream().forEach(e -> {
            if (takenOver) {
                e.getValue().kernel.destroy();
            } else {
                stop(e.getKey(), e.getValue(), null);
            }
        });
        return all.size();
    }

    /** Stops kernels unused for {@code idle}; returns the sessions whose kernel was stopped. */
    List<String> reapIdle(Duration idle) {
        long now = System.nanoTime();
        List<String> reaped = new ArrayList<>();
        bySession.forEach((session, held) -> {
            if (!held.kernel.isBusy() && now - held.lastUsed > idle.toNanos() && bySession.remove(session, held)) {
                stop(session, held, null);
                reaped.add(session);
            }
        });
        return reaped;
    }

    int size() {
        return bySession.size();
    }

    /** New sessions waiting for a warm start under way (see {@link #takeWarm}). */
    synchronized int waitingCount() {
        return waiting;
    }

    synchronized int warmCount() {
        return warm.size();
    }

    /** Destroys every kernel, in parallel: one slow sandbox must not hold up the others. */
    void closeAll() {
        List<Kernel> idle;
        synchronized (this) {
            closed = true;
            idle = new ArrayList<>(warm);
            warm.clear();
            notifyAll();
        }
        dropSessions(false);
        idle.parallelStream().forEach(Kernel::destroy);
    }
}
