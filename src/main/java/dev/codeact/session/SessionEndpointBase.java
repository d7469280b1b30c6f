package dev.codeact.session;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;

/** The callbacks both session endpoints share; they differ only in what opening them does. */
abstract class SessionEndpointBase {

    protected final SessionSocket socket;

    protected SessionEndpointBase(SessionSocket socket) {
        this.socket = socket;
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
