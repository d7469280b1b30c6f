package dev.codeact.api;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.session.Session;
import dev.codeact.session.SessionRegistry;
import dev.codeact.session.SessionStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How the HTTP API reaches a session: the owner is checked before anything of it is loaded, as on
 * the WebSocket; failures are problems ({@code session_not_found}, {@code forbidden}, {@code storage}).
 */
@ApplicationScoped
public class SessionAccess {

    private final SessionRegistry registry;
    private final SessionStore store;

    public SessionAccess(SessionRegistry registry, SessionStore store) {
        this.registry = registry;
        this.store = store;
    }

    /** Completes when the session exists and is {@code principal}'s (nothing of it is loaded). */
    Uni<Void> owned(String id, String principal) {
        if (!SessionRegistry.validId(id)) {
            return Uni.createFrom().failure(notFound());
        }
        return storage(store.owner(id)).chain(owner -> owner == null ? Uni.createFrom().failure(notFound())
                : owner.equals(principal) ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(new ProtocolException(ErrorCode.FORBIDDEN, "this session belongs to another principal")));
    }

    /**
     * The session, held by this gateway (loaded or taken over if need be). A session loaded here
     * lives on the request's event loop, never on a worker thread a blocking method runs on: its
     * state is only touched on its context.
     */
    Uni<Session> held(String id, String principal) {
        return storage(registry.find(id, principal, VertxContext.getRootContext(Vertx.currentContext())))
                .onItem().ifNull().failWith(SessionAccess::notFound);
    }

    /** Redis failing is the client's {@code storage} problem, not an internal error. */
    static <T> Uni<T> storage(Uni<T> read) {
        return read.onFailure(e -> !(e instanceof ProtocolException))
                .transform(e -> new ProtocolException(ErrorCode.STORAGE, "could not read the session: " + e.getMessage()));
    }

    private static ProtocolException notFound() {
        return new ProtocolException(ErrorCode.SESSION_NOT_FOUND, "no such session (never created, or expired)");
    }
}
