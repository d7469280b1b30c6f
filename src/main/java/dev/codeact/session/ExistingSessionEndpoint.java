package dev.codeact.session;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;

/**
 * {@code /v1/sessions/{id}[?last_seq=n]}: reconnects to a session (also one another gateway
 * created). With {@code last_seq}, or a {@code resume} event, the missed events come first.
 */
@WebSocket(path = "/v1/sessions/{id}")
@Authenticated
public class ExistingSessionEndpoint extends SessionEndpointBase {

    private final SecurityIdentity identity;

    public ExistingSessionEndpoint(SessionSocket socket, SecurityIdentity identity) {
        super(socket);
        this.identity = identity;
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        socket.openExisting(connection, connection.pathParam("id"), identity.getPrincipal().getName());
    }
}
