package dev.codeact.session;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.WireCodec;
import io.smallrye.mutiny.Uni;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * One client connection on a session. {@code cursor} is the seq of the last event this
 * connection was sent; while {@code live} is false the connection is catching up (replay) and
 * live events reach it through the replay instead, so none is sent twice or skipped. A connection
 * that attached to an existing session without saying where it stands is {@code held}: nothing
 * is sent to it until its first frame (a {@code resume} says from where) or the hold ends, so
 * a resume never races events already on their way.
 */
final class Attachment {

    private static final Logger LOG = Logger.getLogger(Attachment.class);

    final Client connection;
    long cursor;
    /** The seq of the first event sent on this connection; 0 before any. */
    long firstSent;
    boolean live;
    boolean held;
    boolean closed;
    /** Bumped by each resume, so the answer of an older replay read is ignored. */
    int generation;

    Attachment(Client connection, long cursor, boolean live) {
        this.connection = connection;
        this.cursor = cursor;
        this.live = live;
    }

    /**
     * An error that concerns one connection only (a refused or malformed frame, a bad resume): it
     * goes to that connection with seq 0 and is not an event of the session, so floods are not stored.
     */
    static void sendOutsideLog(Client connection, String session, ErrorCode code, String message) {
        sendOutsideLog(connection, session, ServerEvent.Error.of(code, message));
    }

    /** Any reply to this connection alone (a pong, an error), with seq 0 and outside the session's log. */
    static void sendOutsideLog(Client connection, String session, ServerEvent event) {
        connection.send(0, WireCodec.encodeServer(session, 0, event)).subscribe().with(v -> { },
                e -> LOG.debugf("send to %s failed: %s", connection.id(), e.getMessage()));
    }

    /**
     * Sends a catch-up batch; the answer comes once the connection took its last event (its
     * writes complete in order), so the next batch waits for this one rather than piling up.
     */
    Uni<Void> sendBatch(List<ReplayBuffer.Logged> events) {
        for (int i = 0; i < events.size() - 1; i++) {
            send(events.get(i).seq(), events.get(i).json());
        }
        ReplayBuffer.Logged last = events.get(events.size() - 1);
        sent(last.seq());
        return closed ? Uni.createFrom().voidItem()
                : connection.send(last.seq(), last.json()).onFailure().recoverWithItem(e -> {
                    LOG.debugf("send to %s failed: %s", connection.id(), e.getMessage());
                    return null;
                });
    }

    void send(long seq, String json) {
        sent(seq);
        if (!closed) {
            connection.send(seq, json).subscribe().with(v -> { },
                    e -> LOG.debugf("send to %s failed: %s", connection.id(), e.getMessage()));
        }
    }

    private void sent(long seq) {
        cursor = seq;
        if (firstSent == 0) {
            firstSent = seq;
        }
    }
}
