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
 * of the sessions API), read-only. The stored events after a seq come first, then live ones, each
 * once and in order; errors about this client alone have seq 0, as on the WebSocket.
 */
@ApplicationScoped
public class SessionFeed {

    /** One event: its seq (0 outside the session's log) and its JSON. */
    public record Event(long seq, String json) {}

    /** Events a stream may fall behind its client before it fails (the client resumes with Last-Event-ID). */
    public static final int BEHIND = 10_000;

    /** Events a viewer's tail reads from the log in one go. */
    static final int TAIL_BATCH = 256;
    /** How long a viewer's tail waits before it looks at the log again, when it found nothing new. */
    static final long TAIL_EVERY_MS = 200;

    private final SessionRegistry registry;
    private final SessionStore store;
    private final Vertx vertx;

    public SessionFeed(SessionRegistry registry, SessionStore store, Vertx vertx) {
        this.registry = registry;
        this.store = store;
        this.vertx = vertx;
    }

    /**
     * Fails, before any event, with {@link ProtocolException} ({@code session_not_found},
     * {@code forbidden}, the connection limits, {@code storage}). A session this gateway holds is
     * followed as a WebSocket connection would; any other is followed by reading its log in Redis,
     * without taking the session: a viewer never moves a session, so it never evicts the clients of
     * the gateway that holds it. Both give the same events, since each is stored before it is sent.
     */
    public Multi<Event> follow(String id, String principal, long after) {
        return registry.lookup(id, principal).onItem()
                .transformToMulti(here -> here.isPresent() ? follow(here.get(), after) : tail(id, after));
    }

    /** A session this gateway holds, followed as a WebSocket connection would. */
    private Multi<Event> follow(Session here, long after) {
        return Multi.createFrom().<Event>emitter(emitter -> here.run(() -> {
            Attachment attachment;
            try {
                attachment = registry.attach(here, new StreamClient(emitter), after);
            } catch (ProtocolException e) {
                emitter.fail(e);
                return;
            }
            emitter.onTermination(() -> here.run(() -> here.detach(attachment)));
            if (emitter.isCancelled()) {
                here.detach(attachment); // it ended while the catch-up was being sent
            }
        }), BEHIND);
    }

    /** The stored events after {@code after}, then each one as it is stored, until the client goes. */
    private Multi<Event> tail(String id, long after) {
        return Multi.createFrom().<Event>emitter(emitter -> {
            long[] cursor = {after};
            Runnable[] read = new Runnable[1];
            read[0] = () -> store.eventsAfter(id, cursor[0], TAIL_BATCH).subscribe().with(events -> {
                if (emitter.isCancelled()) {
                    return;
                }
                for (SessionStore.Event e : events) {
                    emitter.emit(new Event(e.seq(), e.json()));
                    cursor[0] = e.seq();
                }
                vertx.setTimer(events.size() == TAIL_BATCH ? 1 : TAIL_EVERY_MS, t -> read[0].run());
            }, failure -> emitter.fail(new ProtocolException(ErrorCode.STORAGE, "could not read the event log: "
                    + failure.getMessage())));
            read[0].run();
        }, BEHIND);
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
