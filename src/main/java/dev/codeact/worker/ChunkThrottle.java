package dev.codeact.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Live output of one action leaves as chunks at most once per interval: text arriving sooner
 * waits and is merged with what follows (adjacent text of one stream becomes one part), so a
 * kernel sending tiny frames in a loop makes few chunks and few Redis entries. Thread-safe: the
 * kernel's reader thread offers, the timer thread sends what waited, the job's end flushes.
 */
final class ChunkThrottle {

    private final ScheduledExecutorService timers;
    private final long intervalNanos;
    private final Consumer<OutputGuard.Part> out;
    private final Runnable afterTimer;
    /** Text not yet sent, in order. */
    private final List<OutputGuard.Part> pending = new ArrayList<>();
    private long lastSentAt;
    private ScheduledFuture<?> timer;

    /**
     * @param out        takes each part as it is sent, under this throttle's lock (so parts keep their order)
     * @param afterTimer runs after the timer sent what waited (outside the lock): the parts are then pushed out
     */
    ChunkThrottle(ScheduledExecutorService timers, long intervalNanos, Consumer<OutputGuard.Part> out, Runnable afterTimer) {
        this.timers = timers;
        this.intervalNanos = intervalNanos;
        this.out = out;
        this.afterTimer = afterTimer;
        this.lastSentAt = System.nanoTime() - intervalNanos;
    }

    /** Sends {@code text} at once when the interval has passed since the last chunk, else when it has. */
    synchronized void offer(String stream, String text) {
        int last = pending.size() - 1;
        if (last >= 0 && pending.get(last).stream().equals(stream)) {
            pending.set(last, new OutputGuard.Part(stream, pending.get(last).text() + text));
        } else {
            pending.add(new OutputGuard.Part(stream, text));
        }
        long wait = lastSentAt + intervalNanos - System.nanoTime();
        if (wait <= 0) {
            send();
        } else if (timer == null) {
            timer = timers.schedule(() -> {
                synchronized (this) {
                    timer = null;
                    send();
                }
                afterTimer.run();
            }, wait, TimeUnit.NANOSECONDS);
        }
    }

    /** Sends what waits now (before a tool call or the observation, which must come after it). */
    synchronized void flush() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        send();
    }

    private void send() {
        pending.forEach(out);
        pending.clear();
        lastSentAt = System.nanoTime();
    }
}
