package dev.codeact.session;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;
import org.jboss.logging.Logger;

/** The callbacks both session endpoints share; they differ only in what opening them does. */
abstract class SessionEndpointBase {

    private static final Logger LOG = Logger.getLogger(SessionEndpointBase.class);

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

    /**
     * A frame past the server's own limit (or a broken one): Netty has already closed the
     * connection (1009/1002). It is the client's fault, so no stack trace and no ERROR.
     */
    @OnError
    @NonBlocking
    void badFrame(CorruptedWebSocketFrameException e, WebSocketConnection connection) {
        LOG.debugf("connection %s closed on a bad frame: %s", connection.id(), e.getMessage());
    }
}
