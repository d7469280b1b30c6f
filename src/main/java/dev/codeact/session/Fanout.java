package dev.codeact.session;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.WireCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A session's connections (WebSockets and event streams): each gets every event once and in
 * order from where it stands, live as events are stored, after catching up from the replay buffer
 * and the Redis log in bounded steps, each once the connection took the one before. Runs on its
 * session's context only.
 */
final class Fanout {

    /** One step of a resume's catch-up: what a client takes in one go before the next step is read or sent. */
    private static final ReplayBuffer.Batch CATCH_UP = new ReplayBuffer.Batch(256, 64 * 1024);

    private final String session;
    private final SessionStore store;
    private final ReplayBuffer replay;
    /** Runs a step on the session's context. */
    private final Executor onContext;
    private final List<Attachment> attachments = new ArrayList<>();
    /** The last seq sent to the live connections: every event up to it is stored (events are sent once stored). */
    private long sent;

    Fanout(String session, SessionStore store, ReplayBuffer replay, long sent, Executor onContext) {
        this.session = session;
        this.store = store;
        this.replay = replay;
        this.sent = sent;
        this.onContext = onContext;
    }

    long sent() {
        return sent;
    }

    int connections() {
        return attachments.size();
    }

    /** A connection that receives every event from now on. */
    Attachment attachLive(Client connection) {
        Attachment a = new Attachment(connection, sent, true);
        attachments.add(a);
        return a;
    }

    void detach(Attachment a) {
        a.closed = true;
        attachments.remove(a);
    }

    /** Redis stored the events up to {@code persisted}: the live connections get the ones they lack. */
    void stored(long persisted) {
        if (persisted <= sent) {
            return;
        }
        List<ReplayBuffer.Logged> fresh = replay.between(sent, persisted);
        for (Attachment a : attachments) {
            if (a.live) {
                for (ReplayBuffer.Logged l : fresh) {
                    if (l.seq() > a.cursor) {
                        a.send(l.seq(), l.json());
                    }
                }
            }
        }
        sent = persisted;
    }

    /** Every connection gets {@code event} at once (seq 0, outside the log): it may be about the log itself. */
    void toEachOutsideLog(ServerEvent event) {
        attachments.forEach(a -> Attachment.sendOutsideLog(a.connection, session, event));
    }

    /** Every connection gets {@code error} (seq 0, outside the log) and is closed. */
    void closeAll(ServerEvent.Error error) {
        String json = WireCodec.encodeServer(session, 0, error);
        for (Attachment a : List.copyOf(attachments)) {
            a.closed = true;
            a.connection.send(0, json).chain(() -> a.connection.close()).subscribe().with(v -> { }, e -> { });
        }
        attachments.clear();
    }

    /**
     * A connection attached to this existing session that has not said where it stands: it gets
     * events after the current one, but only once it is {@link #release released} (its first frame,
     * or the end of the hold) or it resumes.
     */
    Attachment attachHeld(Client connection) {
        Attachment a = new Attachment(connection, sent, false);
        a.held = true;
        attachments.add(a);
        return a;
    }

    /** A held connection goes live from where it attached: what was held back comes first, in order. */
    void release(Attachment a) {
        if (a.held) {
            a.held = false;
            catchUp(a);
        }
    }

    /**
     * Sends this connection every event after {@code fromSeq}, in order and once, then goes live.
     * Events already sent on this connection are never sent again: they are on their way.
     */
    void resume(Attachment a, long fromSeq, long lastSeq) {
        boolean wasHeld = a.held;
        a.held = false;
        if (fromSeq > lastSeq) {
            Attachment.sendOutsideLog(a.connection, session, ErrorCode.INVALID_EVENT,
                    "last_seq " + fromSeq + " is ahead of this session's last event " + lastSeq);
            if (wasHeld) {
                catchUp(a); // from where it attached; a live or catching-up connection just goes on
            }
            return;
        }
        if (a.firstSent != 0 && fromSeq < a.cursor) {
            if (fromSeq + 1 < a.firstSent) {
                Attachment.sendOutsideLog(a.connection, session, ErrorCode.INVALID_EVENT, "this connection already sent events "
                        + a.firstSent + ".." + a.cursor + ": events " + (fromSeq + 1) + ".." + (a.firstSent - 1)
                        + " cannot come after them in order; reconnect with ?last_seq=" + fromSeq + ", or resume as the first frame");
            }
            return; // what follows fromSeq was sent on this connection already, or goes out in order
        }
        a.generation++;
        a.cursor = fromSeq;
        a.live = false;
        catchUp(a);
    }

    /**
     * One batch of the catch-up, then the next once the connection took it; live at the end.
     * Bounded batches keep a long catch-up from holding the event loop or queueing a whole log on
     * one connection.
     */
    private void catchUp(Attachment a) {
        if (a.closed || a.live) {
            return;
        }
        // Up to what is stored: the rest goes to every live connection as it is stored.
        ReplayBuffer.Plan plan = replay.plan(a.cursor, sent, CATCH_UP);
        int generation = a.generation;
        if (plan instanceof ReplayBuffer.Plan.FromBuffer buffered) {
            if (buffered.complete()) {
                buffered.events().forEach(l -> a.send(l.seq(), l.json()));
                a.live = true;
            } else {
                sendThen(a, generation, buffered.events(), () -> catchUp(a));
            }
            return;
        }
        ReplayBuffer.Plan.FromStore stored = (ReplayBuffer.Plan.FromStore) plan;
        long from = stored.from();
        long to = stored.to();
        long expected = stored.expected();
        store.events(session, from, to).subscribe().with(events -> onContext.execute(() -> {
            if (a.generation != generation || a.closed) {
                return;
            }
            if (events.size() != expected) {
                a.cursor = to;
                Attachment.sendOutsideLog(a.connection, session, ErrorCode.STORAGE,
                        "events " + (from + 1) + ".." + to + " are no longer stored (expired)");
                catchUp(a);
            } else if (events.isEmpty()) {
                a.cursor = to; // a range of gaps only
                catchUp(a);
            } else {
                sendThen(a, generation, events.stream().map(e -> new ReplayBuffer.Logged(e.seq(), e.json())).toList(), () -> {
                    a.cursor = to;
                    catchUp(a);
                });
            }
        }), failure -> onContext.execute(() -> {
            if (a.generation == generation && !a.closed) {
                a.cursor = sent;
                a.live = true;
                Attachment.sendOutsideLog(a.connection, session, ErrorCode.STORAGE,
                        "could not read the event log: " + failure.getMessage());
            }
        }));
    }

    /**
     * Sends {@code events} in steps of at most {@link #CATCH_UP}'s bytes (at least one event), each
     * once the connection took the one before, then runs {@code then}; all of it on this session's
     * context, and only while the attachment still wants this catch-up.
     */
    private void sendThen(Attachment a, int generation, List<ReplayBuffer.Logged> events, Runnable then) {
        int end = 0;
        long bytes = 0;
        while (end < events.size() && (end == 0 || bytes + events.get(end).json().length() <= CATCH_UP.bytes())) {
            bytes += events.get(end++).json().length();
        }
        int taken = end;
        a.sendBatch(events.subList(0, taken)).subscribe().with(v -> onContext.execute(() -> {
            if (a.generation != generation || a.closed) {
                return;
            }
            if (taken < events.size()) {
                sendThen(a, generation, events.subList(taken, events.size()), then);
            } else {
                then.run();
            }
        }));
    }
}
