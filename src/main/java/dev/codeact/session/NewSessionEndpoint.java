package dev.codeact.session;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;

/** {@code /v1/sessions}: opening it creates a session; its first event names it. */
@WebSocket(path = "/v1/sessions")
@Authenticated
public class NewSessionEndpoint extends SessionEndpointBase {

    private final SecurityIdentity identity;

    public NewSessionEndpoint(SessionSocket socket, SecurityIdentity identity) {
        super(socket);
        this.identity = identity;
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        socket.openNew(connection, identity.getPrincipal().getName());
    }
}
