package dev.codeact.session;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;

/** {@code /v1/sessions}: opening it creates a session; its first event names it. */
@WebSocket(path = "/v1/sessions")
public class NewSessionEndpoint {

    private final SessionSocket socket;

    public NewSessionEndpoint(SessionSocket socket) {
        this.socket = socket;
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        socket.openNew(connection);
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
