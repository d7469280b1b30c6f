package dev.codeact.api;

import dev.codeact.session.Session;
import dev.codeact.session.SessionRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How the HTTP API reaches a session: {@link SessionRegistry#lookup}'s policy and errors, as on the
 * WebSocket, which become problems ({@code session_not_found}, {@code forbidden}, {@code storage}).
 */
@ApplicationScoped
public class SessionAccess {

    private final SessionRegistry registry;

    public SessionAccess(SessionRegistry registry) {
        this.registry = registry;
    }

    /** Completes when the session exists and is {@code principal}'s (nothing of it is loaded). */
    Uni<Void> owned(String id, String principal) {
        return registry.lookup(id, principal).replaceWithVoid();
    }

    /**
     * The session, held by this gateway (loaded or taken over if need be). A session loaded here
     * lives on the request's event loop, never on a worker thread a blocking method runs on: its
     * state is only touched on its context.
     */
    Uni<Session> held(String id, String principal) {
        return registry.find(id, principal, VertxContext.getRootContext(Vertx.currentContext()));
    }
}
