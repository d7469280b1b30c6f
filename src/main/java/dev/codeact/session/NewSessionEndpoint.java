package dev.codeact.session;

import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;

/** {@code /v1/sessions}: opening it creates a session; its first event names it. */
@WebSocket(path = "/v1/sessions")
public class NewSessionEndpoint extends SessionEndpointBase {

    public NewSessionEndpoint(SessionSocket socket) {
        super(socket);
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        socket.openNew(connection);
    }
}
