package dev.codeact.worker;

import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.Result;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Sends one job's results to the gateway's stream in order. {@link #push} queues an entry (output
 * chunks of one stream merge while they wait); {@link #flush} sends everything queued as one
 * pipelined batch of XADDs (one round trip, in order on one connection), so an action's last
 * output and its observation travel together. While a batch is in flight, what is pushed waits for
 * the next, so a chatty action costs few Redis writes. Each entry is numbered within its job; a
 * failed batch is retried whole (same numbers: the gateway drops what a lost reply made it see
 * twice) with backoff for up to the retry window, so a Redis restart loses no output and no
 * observation. Called from kernel reader threads; completions come on Redis threads, retries on
 * the worker's timer thread: hence the lock.
 */
final class ResultSink {

    private static final Logger LOG = Logger.getLogger(ResultSink.class);
    private static final int MERGE_LIMIT = 64 * 1024;
    private static final long FIRST_RETRY_MS = 100;
    private static final long LONGEST_RETRY_MS = 2000;
    /** How often held results look again whether the lease was renewed. */
    private static final long HOLD_MS = 100;

    /** Sends one pipelined batch: the Redis client's {@code batch}. */
    private final Function<List<Request>, Uni<List<Response>>> send;
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
    /** Results wait for the lease (logged once per wait). Only the thread writing the batch in flight touches it. */
    private boolean holding;

    /**
     * @param attempt which run of the job this is (see {@link Result#attempt()})
     * @param live    false while this worker's lease is not surely renewed: then nothing is written
     *                (the batch waits), since a peer may be taking the job over
     */
    ResultSink(Function<List<Request>, Uni<List<Response>>> send, String stream, long maxLen, Duration retryWindow,
               ScheduledExecutorService timers, int attempt, BooleanSupplier live, Runnable onFinished) {
        this.attempt = attempt;
        this.live = live;
        this.send = send;
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

    /** Queues an entry; it leaves with the next {@link #flush}. */
    synchronized void push(Result result) {
        if (closed) {
            return;
        }
        if (queue.peekLast() instanceof Result.Chunk last && result instanceof Result.Chunk chunk
                && last.stream().equals(chunk.stream()) && last.text().length() + chunk.text().length() <= MERGE_LIMIT) {
            queue.pollLast();
            result = last.append(chunk.text());
        }
        queue.addLast(result);
    }

    /** Sends what is queued, unless a batch is in flight (then it goes when that one is written). */
    synchronized void flush() {
        if (!sending) {
            sendNext();
        }
    }

    private synchronized void sendNext() {
        if (closed || queue.isEmpty()) {
            sending = false;
            return;
        }
        sending = true;
        List<Result> batch = new ArrayList<>(queue.size());
        while (!queue.isEmpty()) {
            batch.add(queue.pollFirst().numbered(attempt, ++numbered));
        }
        write(batch);
    }

    private void write(List<Result> batch) {
        synchronized (this) {
            if (closed) {
                sending = false;
                return;
            }
        }
        if (!live.getAsBoolean()) {
            // A peer may be taking this worker over: nothing leaves until a renewal of the lease
            // says whether one did. If it did, the job is abandoned and this sink closed; if not,
            // the batch goes as it is.
            if (!holding) {
                holding = true;
                LOG.infof("results of %s held: this worker's lease is not renewed yet", batch.get(0).jobId());
            }
            try {
                timers.schedule(() -> write(batch), HOLD_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                synchronized (this) {
                    sending = false;
                }
            }
            return;
        }
        holding = false;
        List<Request> xadds = new ArrayList<>(batch.size());
        for (Result entry : batch) {
            xadds.add(Request.cmd(Command.XADD).arg(stream).arg("MAXLEN").arg("~").arg(maxLen).arg("*")
                    .arg(QueueCodec.FIELD).arg(QueueCodec.encode(entry)));
        }
        send.apply(xadds).subscribe().with(ids -> {
            synchronized (this) {
                failingSince = 0;
                retryMs = FIRST_RETRY_MS;
            }
            afterSend(batch);
        }, error -> failed(batch, error));
    }

    private void failed(List<Result> batch, Throwable error) {
        Result entry = batch.get(0);
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
                timers.schedule(() -> write(batch), delay, TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException shuttingDown) {
                // the worker is stopping: give the entry up below
            }
        }
        LOG.warnf("results %d to %d of %s not delivered to %s: %s", entry.n(), batch.get(batch.size() - 1).n(),
                entry.jobId(), stream, error.getMessage());
        afterSend(batch);
    }

    private void afterSend(List<Result> sent) {
        if (sent.stream().anyMatch(Result.Observation.class::isInstance)) {
            onFinished.run();
        }
        sendNext();
    }
}
