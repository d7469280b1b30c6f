package dev.codeact.session;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * A session's events as a stream, for clients that cannot hold a WebSocket (Server-Sent Events
 * of the sessions API): the same attachment as a WebSocket connection, read-only. The stored
 * events after a seq come first, then live ones, each once and in order; errors about this client
 * alone have seq 0, as on the WebSocket.
 */
@ApplicationScoped
public class SessionFeed {

    /** One event: its seq (0 outside the session's log) and its JSON. */
    public record Event(long seq, String json) {}

    /** Events a stream may fall behind its client before it fails (the client resumes with Last-Event-ID). */
    public static final int BEHIND = 10_000;

    private final SessionRegistry registry;

    public SessionFeed(SessionRegistry registry) {
        this.registry = registry;
    }

    /**
     * Fails, before any event, with {@link ProtocolException} ({@code session_not_found},
     * {@code forbidden}, the connection limits, {@code session_elsewhere}, {@code storage}).
     */
    public Multi<Event> follow(String id, String principal, long after) {
        return registry.find(id, principal, Vertx.currentContext())
                .onItem().ifNull().failWith(() -> new ProtocolException(ErrorCode.SESSION_NOT_FOUND,
                        "no such session (never created, or expired)"))
                .onFailure(e -> !(e instanceof ProtocolException))
                .transform(e -> new ProtocolException(ErrorCode.STORAGE, "could not load the session: " + e.getMessage()))
                .onItem().transformToMulti(session -> Multi.createFrom().<Event>emitter(emitter -> session.run(() -> {
                    try {
                        registry.admit(session);
                    } catch (ProtocolException e) {
                        emitter.fail(e);
                        return;
                    }
                    Attachment attachment = session.attachLive(new StreamClient(emitter));
                    emitter.onTermination(() -> session.run(() -> session.detach(attachment)));
                    session.resume(attachment, after);
                }), BEHIND));
    }

    /** The stream as the session's client: each event is an item; closing completes the stream. */
    private record StreamClient(String id, MultiEmitter<? super Event> emitter) implements Client {

        StreamClient(MultiEmitter<? super Event> emitter) {
            this("sse-" + UUID.randomUUID(), emitter);
        }

        @Override
        public Uni<Void> send(long seq, String json) {
            emitter.emit(new Event(seq, json));
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> close() {
            emitter.complete();
            return Uni.createFrom().voidItem();
        }
    }
}
