package dev.codeact.session;

import dev.codeact.contract.ErrorCode;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A session's WebSocket connection, with a budget of bytes queued for it: a write counts until the
 * socket took it. A client that stops reading makes the queue grow; once it holds more than the
 * budget, at the next event, the connection
 * is closed (1008, {@code slow_consumer}) rather than buffered without bound, and nothing more is
 * queued for it. Its client resumes from the last seq it read: nothing is lost, since every event
 * is in the session's log.
 */
final class SocketClient implements Client {

    private static final Logger LOG = Logger.getLogger(SocketClient.class);
    /** The WebSocket status for a policy violation: the reason names which. */
    static final int POLICY = 1008;

    private final WebSocketConnection connection;
    private final long budget;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean cut = new AtomicBoolean();

    SocketClient(WebSocketConnection connection, long budget) {
        this.connection = connection;
        this.budget = budget;
    }

    @Override
    public String id() {
        return connection.id();
    }

    @Override
    public Uni<Void> send(long seq, String json) {
        if (cut.get()) {
            return Uni.createFrom().voidItem();
        }
        // A UTF-8 frame is at most 3 bytes per char; the exact size would cost an encoding per event.
        long bytes = json.length() <= budget / 3 ? json.length() : json.getBytes(StandardCharsets.UTF_8).length;
        long before = queued.getAndAdd(bytes);
        // Judged on what was queued before this event: one event always goes, however large (an
        // observation with figures may outweigh the budget), so the queue holds at most the budget
        // and one event.
        if (before > budget && cut.compareAndSet(false, true)) {
            LOG.infof("closing connection %s: its client has not taken %d bytes of events (codeact.limits.client-buffer-bytes)",
                    connection.id(), before + bytes);
            queued.addAndGet(-bytes);
            connection.close(new CloseReason(POLICY, ErrorCode.SLOW_CONSUMER.code())).subscribe().with(v -> { },
                    e -> LOG.debugf("closing %s: %s", connection.id(), e.getMessage()));
            return Uni.createFrom().voidItem();
        }
        return connection.sendText(json).eventually(() -> queued.addAndGet(-bytes));
    }

    @Override
    public Uni<Void> close() {
        return connection.close();
    }
}
