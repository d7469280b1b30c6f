package dev.codeact.session;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import org.jboss.logging.Logger;

/** The callbacks both session endpoints share; they differ only in what opening them does. */
abstract class SessionEndpointBase {

    private static final Logger LOG = Logger.getLogger(SessionEndpointBase.class);
    private static final CloseReason MESSAGE_TOO_BIG = new CloseReason(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "message too big");

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

    /**
     * A message sent in fragments that together pass the server's limit: Vert.x stops gathering it
     * with an IllegalStateException (each frame alone was fine). The same close as one big frame
     * (1009, message too big), as quietly. Any other IllegalStateException is a fault of the gateway:
     * logged as such (without the connection's path, which holds the session id), and 1011.
     */
    @OnError
    @NonBlocking
    Uni<Void> stateError(IllegalStateException e, WebSocketConnection connection) {
        if (e.getMessage() != null && e.getMessage().contains("overflow max message size")) {
            LOG.debugf("connection %s sent a message past the server's limit: %s", connection.id(), e.getMessage());
            return connection.close(MESSAGE_TOO_BIG);
        }
        LOG.errorf(e, "connection %s closed on an unexpected error", connection.id());
        return connection.close(new CloseReason(WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "unexpected error"));
    }
}
