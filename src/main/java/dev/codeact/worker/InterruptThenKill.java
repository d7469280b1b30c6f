package dev.codeact.worker;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How a running action is stopped (timeout or cancel): an interrupt first, which keeps the
 * session's state; if the action has not ended {@code graceMs} later, the kill, which loses it.
 * Started at most once; thread-safe.
 */
final class InterruptThenKill {

    private final ScheduledExecutorService timers;
    private final long graceMs;
    private final Runnable interrupt;
    private final Runnable kill;
    private final BooleanSupplier ended;
    private ScheduledFuture<?> killTimer;
    private volatile boolean killed;

    InterruptThenKill(ScheduledExecutorService timers, long graceMs, Runnable interrupt, Runnable kill, BooleanSupplier ended) {
        this.timers = timers;
        this.graceMs = graceMs;
        this.interrupt = interrupt;
        this.kill = kill;
        this.ended = ended;
    }

    /** Interrupts now and arms the kill; does nothing if the action ended or this already started. */
    synchronized void start() {
        if (ended.getAsBoolean() || killTimer != null) {
            return;
        }
        interrupt.run();
        killTimer = timers.schedule(() -> {
            if (!ended.getAsBoolean()) {
                killed = true;
                kill.run();
            }
        }, graceMs, TimeUnit.MILLISECONDS);
    }

    /** The action ended: no kill. */
    synchronized void disarm() {
        if (killTimer != null) {
            killTimer.cancel(false);
        }
    }

    /** Whether the action had to be killed. */
    boolean killed() {
        return killed;
    }
}
