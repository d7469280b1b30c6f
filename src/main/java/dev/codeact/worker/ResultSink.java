package dev.codeact.worker;

import dev.codeact.queue.QueueCodec;
import dev.codeact.queue.Result;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.XAddArgs;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Sends one job's results to the gateway's stream in order. While an XADD is in flight, further
 * chunks of the same stream merge into one entry, so a chatty action costs few Redis writes.
 * Each entry is numbered within its job; a failed XADD is retried (same number: the gateway drops
 * a copy that a lost reply made) with backoff for up to the retry window, so a Redis restart loses
 * no output and no observation. Called from kernel reader threads; completions come on Redis
 * threads, retries on the worker's timer thread: hence the lock.
 */
final class ResultSink {

    private static final Logger LOG = Logger.getLogger(ResultSink.class);
    private static final int MERGE_LIMIT = 64 * 1024;
    private static final long FIRST_RETRY_MS = 100;
    private static final long LONGEST_RETRY_MS = 2000;

    private final ReactiveStreamCommands<String, String, String> streams;
    private final String stream;
    private final long maxLen;
    private final long retryWindowNanos;
    private final ScheduledExecutorService timers;
    private final Runnable onFinished;
    private final int attempt;
    private final BooleanSupplier live;
    private final ArrayDeque<Result> queue = new ArrayDeque<>();
    private boolean sending;
    /** The job was given up (shutdown, or this worker was fenced): nothing more is written. */
    private boolean closed;
    private long numbered;
    /** When the writes began to fail (0 while they succeed), and the next retry's delay. */
    private long failingSince;
    private long retryMs = FIRST_RETRY_MS;

    /**
     * @param attempt which run of the job this is (see {@link Result#attempt()})
     * @param live    false once this worker may have been declared dead: then nothing is written,
     *                since another worker may be running the job already
     */
    ResultSink(ReactiveStreamCommands<String, String, String> streams, String stream, long maxLen, Duration retryWindow,
               ScheduledExecutorService timers, int attempt, BooleanSupplier live, Runnable onFinished) {
        this.attempt = attempt;
        this.live = live;
        this.streams = streams;
        this.stream = stream;
        this.maxLen = maxLen;
        this.retryWindowNanos = retryWindow.toNanos();
        this.timers = timers;
        this.onFinished = onFinished;
    }

    /** Drops what is queued and everything pushed later. */
    synchronized void close() {
        closed = true;
        queue.clear();
    }

    synchronized void push(Result result) {
        if (closed) {
            return;
        }
        Result last = queue.peekLast();
        if (last != null && last.isChunk() && result.isChunk() && last.stream().equals(result.stream())
                && last.text().length() + result.text().length() <= MERGE_LIMIT) {
            queue.pollLast();
            result = Result.chunk(last.session(), last.jobId(), last.worker(), last.stream(), last.text() + result.text());
        }
        queue.addLast(result);
        if (!sending) {
            sendNext();
        }
    }

    private synchronized void sendNext() {
        Result next = closed ? null : queue.pollFirst();
        if (next == null) {
            sending = false;
            return;
        }
        sending = true;
        write(next.numbered(attempt, ++numbered));
    }

    private void write(Result entry) {
        if (!live.getAsBoolean()) {
            LOG.warnf("result %d of %s not written: this worker missed its heartbeat and may have been taken over",
                    entry.n(), entry.jobId());
            synchronized (this) {
                closed = true;
                queue.clear();
                sending = false;
            }
            return;
        }
        streams.xadd(stream, new XAddArgs().maxlen(maxLen).nearlyExactTrimming(), Map.of(QueueCodec.FIELD, QueueCodec.encode(entry)))
                .subscribe().with(id -> {
                    synchronized (this) {
                        failingSince = 0;
                        retryMs = FIRST_RETRY_MS;
                    }
                    afterSend(entry);
                }, error -> failed(entry, error));
    }

    private void failed(Result entry, Throwable error) {
        long delay;
        synchronized (this) {
            long now = System.nanoTime();
            if (failingSince == 0) {
                failingSince = now;
                LOG.warnf("results of %s cannot be written to %s, retrying for up to %d s: %s", entry.jobId(), stream,
                        TimeUnit.NANOSECONDS.toSeconds(retryWindowNanos), error.getMessage());
            }
            delay = now - failingSince < retryWindowNanos ? retryMs : -1;
            retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
        }
        if (delay >= 0) {
            try {
                timers.schedule(() -> write(entry), delay, TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException shuttingDown) {
                // the worker is stopping: give the entry up below
            }
        }
        LOG.warnf("result %d (%s) of %s not delivered to %s: %s", entry.n(), entry.kind(), entry.jobId(), stream,
                error.getMessage());
        afterSend(entry);
    }

    private void afterSend(Result sent) {
        if (!sent.isChunk()) {
            onFinished.run();
        }
        sendNext();
    }
}
