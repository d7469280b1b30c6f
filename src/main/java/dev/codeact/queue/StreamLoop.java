package dev.codeact.queue;

import io.quarkus.redis.datasource.stream.StreamMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * One loop of blocking reads on one Redis stream, the same for the worker's job streams and the
 * gateway's result stream: read, hand the entries over, read again. A failed read is noted, may be
 * repaired, and retried a second later; reads failing for longer than the outage window are
 * reported about once a second. One read is pending at a time however often {@link #poll} is
 * called; no thread waits for it.
 */
public final class StreamLoop {

    /** Entries of one read; null when the stream had none within the block time. */
    public interface Read extends Supplier<Uni<List<StreamMessage<String, String, String>>>> {}

    private static final Logger LOG = Logger.getLogger(StreamLoop.class);
    private static final long RETRY_MS = 1000;

    private final String stream;
    private final Vertx vertx;
    private final Read read;
    private final Consumer<List<StreamMessage<String, String, String>>> deliver;
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile boolean running;
    private volatile String failure;
    private long failingSince;
    private Function<Throwable, Uni<Void>> repair = e -> null;
    private Duration outageAfter;
    private LongConsumer onOutage = seconds -> { };

    /**
     * @param read    the next read, or null when the reader wants no entries now (it calls {@link #poll} again later)
     * @param deliver the entries of a read, in order, while the loop runs
     */
    public StreamLoop(String stream, Vertx vertx, Read read, Consumer<List<StreamMessage<String, String, String>>> deliver) {
        this.stream = stream;
        this.vertx = vertx;
        this.read = read;
        this.deliver = deliver;
    }

    /** Before retrying after {@code error}: a repair to run first (e.g. make a lost consumer group again), or null. */
    public StreamLoop repairingWith(Function<Throwable, Uni<Void>> repair) {
        this.repair = repair;
        return this;
    }

    /** Calls {@code outage} with the seconds reads have failed, once they have failed for longer than {@code after}. */
    public StreamLoop reportingOutagesAfter(Duration after, LongConsumer outage) {
        this.outageAfter = after;
        this.onOutage = outage;
        return this;
    }

    public String stream() {
        return stream;
    }

    /** Why the loop does not read: its last read failed, or it is not started; null while reads succeed. */
    public String failure() {
        return running ? failure : "not reading";
    }

    public void start() {
        running = true;
        poll();
    }

    /** After stop, entries read are not handed over and no read starts. */
    public void stop() {
        running = false;
    }

    /** Starts the next read unless one is pending, the loop is stopped, or the reader wants none now. */
    public void poll() {
        if (!running || !reading.compareAndSet(false, true)) {
            return;
        }
        Uni<List<StreamMessage<String, String, String>>> next = read.get();
        if (next == null) {
            reading.set(false);
            return;
        }
        next.subscribe().with(messages -> {
            reading.set(false);
            failure = null;
            failingSince = 0;
            if (messages != null && running) {
                deliver.accept(messages);
            }
            poll();
        }, this::failed);
    }

    private void failed(Throwable error) {
        reading.set(false);
        failure = String.valueOf(error.getMessage());
        if (!running) {
            return;
        }
        long now = System.nanoTime();
        if (failingSince == 0) {
            failingSince = now;
        } else if (outageAfter != null && now - failingSince > outageAfter.toNanos()) {
            onOutage.accept(TimeUnit.NANOSECONDS.toSeconds(now - failingSince));
        }
        Uni<Void> fix = repair.apply(error);
        if (fix != null) {
            fix.subscribe().with(v -> poll(), e -> vertx.setTimer(RETRY_MS, t -> poll()));
            return;
        }
        LOG.warnf("reading %s failed, retrying in 1 s: %s", stream, failure);
        vertx.setTimer(RETRY_MS, t -> poll());
    }
}
