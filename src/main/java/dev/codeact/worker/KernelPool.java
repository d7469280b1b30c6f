package dev.codeact.worker;

import dev.codeact.sandbox.Kernel;
import dev.codeact.sandbox.SandboxLauncher;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.jboss.logging.Logger;

/**
 * The kernels of this worker: one per session, plus a few warm sandboxes started ahead of need
 * (a cold runsc start costs ≈ 0.3–0.4 s) that go to the next new sessions.
 */
final class KernelPool {

    private static final Logger LOG = Logger.getLogger(KernelPool.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** A session's kernel; {@code fresh} when it was just assigned (no earlier state in it). */
    record Lease(Kernel kernel, boolean fresh) {}

    private static final class Held {
        final Kernel kernel;
        volatile long lastUsed = System.nanoTime();

        Held(Kernel kernel) {
            this.kernel = kernel;
        }
    }

    private final SandboxLauncher launcher;
    private final Executor blocking;
    /** Sandboxes starting at once: a start waits here, so its ready timeout counts only its own start. */
    private final Semaphore starts;
    private final int warmTarget;
    private final int maxKernels;
    private final Map<String, Held> bySession = new ConcurrentHashMap<>();
    private final ArrayDeque<Kernel> warm = new ArrayDeque<>();
    private int starting;
    private volatile boolean closed;
    /** Why the last sandbox start failed; null once one started. */
    private volatile String lastStartFailure;

    KernelPool(SandboxLauncher launcher, Executor blocking, int warmTarget, int maxKernels, int startsAtOnce) {
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
    Lease forSession(String session) throws IOException {
        Held held = bySession.get(session);
        if (held != null && held.kernel.isAlive()) {
            held.lastUsed = System.nanoTime();
            return new Lease(held.kernel, false);
        }
        if (held != null) {
            drop(session, held.kernel);
        }
        if (bySession.size() >= maxKernels) {
            throw new FullException("this worker runs " + bySession.size() + " session kernels, its limit "
                    + "(codeact.worker.max-kernels); try again when sessions have ended");
        }
        Kernel kernel = takeWarm();
        if (kernel == null) {
            kernel = startTracked();
        }
        bySession.put(session, new Held(kernel));
        refill();
        return new Lease(kernel, true);
    }

    private synchronized Kernel takeWarm() {
        while (!warm.isEmpty()) {
            Kernel k = warm.pollFirst();
            if (k.isAlive()) {
                return k;
            }
            k.destroy();
        }
        return null;
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
        bySession.computeIfPresent(session, (s, held) -> held.kernel == kernel ? null : held);
        kernel.destroy();
    }

    /** Stops the session's kernel unless an action runs on it; true when one was stopped. */
    boolean release(String session) {
        Held held = bySession.get(session);
        if (held == null || held.kernel.isBusy() || !bySession.remove(session, held)) {
            return false;
        }
        held.kernel.destroy();
        return true;
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

    /** Stops every session's kernel (warm ones stay); returns how many. */
    int dropSessions() {
        List<Held> all = new ArrayList<>(bySession.values());
        bySession.clear();
        all.parallelStream().forEach(h -> h.kernel.destroy());
        return all.size();
    }

    /** Stops kernels unused for {@code idle}; returns the sessions whose kernel was stopped. */
    List<String> reapIdle(Duration idle) {
        long now = System.nanoTime();
        List<String> reaped = new ArrayList<>();
        bySession.forEach((session, held) -> {
            if (!held.kernel.isBusy() && now - held.lastUsed > idle.toNanos() && bySession.remove(session, held)) {
                held.kernel.destroy();
                reaped.add(session);
            }
        });
        return reaped;
    }

    int size() {
        return bySession.size();
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
        }
        dropSessions();
        idle.parallelStream().forEach(Kernel::destroy);
    }
}
