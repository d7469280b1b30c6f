package dev.codeact.session;

import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * Where a session's events go: a WebSocket connection, or a Server-Sent Events stream of the
 * sessions API. Each event is one JSON text, in seq order.
 */
public interface Client {

    String id();

    /** One event; {@code seq} 0 for a reply to this client alone (outside the session's log). */
    Uni<Void> send(long seq, String json);

    /** Ends the connection (after what was sent before it). */
    Uni<Void> close();

    /** A WebSocket connection that may hold at most {@code budget} bytes of events its client has not taken. */
    static Client of(WebSocketConnection connection, long budget) {
        return new SocketClient(connection, budget);
    }
}
