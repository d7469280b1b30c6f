package dev.codeact.session;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;

/**
 * {@code /v1/sessions/{id}[?last_seq=n]}: reconnects to a session (also one another gateway
 * created). With {@code last_seq}, or a {@code resume} event, the missed events come first.
 */
@WebSocket(path = "/v1/sessions/{id}")
public class ExistingSessionEndpoint {

    private final SessionSocket socket;

    public ExistingSessionEndpoint(SessionSocket socket) {
        this.socket = socket;
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        socket.openExisting(connection, connection.pathParam("id"));
    }

    @OnTextMessage
    @NonBlocking
    void text(String frame, WebSocketConnection connection) {
        socket.text(connection, frame);
    }

    @OnBinaryMessage
    @NonBlocking
    void binary(Buffer frame, WebSocketConnection connection) {
        socket.binary(connection);
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        socket.closed(connection);
    }
}
