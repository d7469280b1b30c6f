package dev.codeact.session;

import dev.codeact.config.LimitsConfig;
import dev.codeact.config.SessionConfig;
import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.WireCodec;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What the two WebSocket endpoints share: binding a connection to a session and turning client
 * frames into session actions. Every frame is handled on the session's context.
 */
@ApplicationScoped
public class SessionSocket {

    private static final Logger LOG = Logger.getLogger(SessionSocket.class);
    private static final int MAX_EARLY_FRAMES = 32;

    /** A connection's binding; {@code session} is null while its session is being loaded or made. */
    private static final class Link {
        final Client client;
        final TokenBucket rate;
        volatile Session session;
        Attachment attachment;
        final List<String> early = new ArrayList<>();

        Link(Client client, TokenBucket rate) {
            this.client = client;
            this.rate = rate;
        }
    }

    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final SessionRegistry registry;
    private final TurnStarter turns;
    private final SessionConfig config;
    private final LimitsConfig limits;
    private final Vertx vertx;

    public SessionSocket(SessionRegistry registry, TurnStarter turns, SessionConfig config, LimitsConfig limits, Vertx vertx) {
        this.vertx = vertx;
        this.registry = registry;
        this.turns = turns;
        this.config = config;
        this.limits = limits;
    }

    /** Frames that come before the new session is counted among its owner's wait for it, as for an existing one. */
    public void openNew(WebSocketConnection connection, String principal) {
        Link link = new Link(Client.of(connection, limits.clientBufferBytes()), TokenBucket.frames(limits.framesPerSecond()));
        links.put(connection.id(), link);
        registry.create(Vertx.currentContext(), principal).subscribe().with(session -> session.run(() -> {
            boolean open = links.containsKey(connection.id());
            Attachment attachment = open ? session.attachLive(link.client) : null;
            session.emit(registry.info(principal));
            if (open) {
                bind(link, session, attachment);
            } else {
                session.checkIdle(); // closed while it was made: it leaves like any session without a connection
            }
        }), error -> refuse(connection, null, error, "could not make the session: "));
    }

    /** The owner is checked before anything of the session is loaded, announced or revealed. */
    public void openExisting(WebSocketConnection connection, String id, String principal) {
        Long resumeFrom;
        try {
            resumeFrom = WireCodec.lastSeqQuery(connection.handshakeRequest().query());
        } catch (ProtocolException e) {
            reject(connection, id, e.code(), e.getMessage());
            return;
        }
        Link link = new Link(Client.of(connection, limits.clientBufferBytes()), TokenBucket.frames(limits.framesPerSecond()));
        links.put(connection.id(), link);
        registry.find(id, principal, Vertx.currentContext()).subscribe().with(session -> {
            session.run(() -> {
                if (!links.containsKey(connection.id())) {
                    return; // closed while loading
                }
                Attachment attachment;
                try {
                    attachment = registry.attach(session, link.client, resumeFrom);
                } catch (ProtocolException e) {
                    reject(connection, id, e.code(), e.getMessage());
                    return;
                }
                if (resumeFrom == null) {
                    vertx.setTimer(config.resumeWait().toMillis(), t -> session.run(() -> session.release(attachment)));
                }
                bind(link, session, attachment);
            });
        }, error -> refuse(connection, id, error, "could not load the session: "));
    }

    /** On the session's context: the connection is the session's from now on; the frames it sent meanwhile are handled, in order. */
    private void bind(Link link, Session session, Attachment attachment) {
        link.attachment = attachment;
        List<String> early;
        synchronized (link.early) {
            link.session = session;
            early = new ArrayList<>(link.early);
            link.early.clear();
        }
        early.forEach(frame -> handle(session, attachment, frame));
    }

    private void refuse(WebSocketConnection connection, String id, Throwable error, String storageContext) {
        if (error instanceof ProtocolException refused) {
            reject(connection, id, refused.code(), refused.getMessage());
        } else {
            reject(connection, id, ErrorCode.STORAGE, storageContext + error.getMessage());
        }
    }

    public void text(WebSocketConnection connection, String frame) {
        Link link = links.get(connection.id());
        if (link == null) {
            return;
        }
        if (!link.rate.allow()) {
            toConnection(link.client, link.session, ErrorCode.RATE_LIMITED, "more than " + limits.framesPerSecond()
                    + " frames per second: this frame was not processed");
            return;
        }
        Session session = link.session;
        if (session == null) {
            synchronized (link.early) {
                session = link.session;
                if (session == null) {
                    if (link.early.size() < MAX_EARLY_FRAMES) {
                        link.early.add(frame);
                    } else {
                        toConnection(link.client, null, ErrorCode.RATE_LIMITED, "the session is still loading: "
                                + "this frame was not processed");
                    }
                    return;
                }
            }
        }
        Session s = session;
        s.run(() -> handle(s, link.attachment, frame));
    }

    public void binary(WebSocketConnection connection) {
        Link link = links.get(connection.id());
        if (link != null) {
            toConnection(link.client, link.session, ErrorCode.INVALID_EVENT,
                    "binary frames are not part of the protocol: send JSON text frames");
        }
    }

    public void closed(WebSocketConnection connection) {
        Link link = links.remove(connection.id());
        if (link != null && link.session != null) {
            Session s = link.session;
            s.run(() -> s.detach(link.attachment));
        }
    }

    private void handle(Session session, Attachment attachment, String frame) {
        ClientEvent event;
        try {
            event = WireCodec.parseClient(frame, config.maxFrameBytes(), config.maxFrameBytes());
        } catch (ProtocolException e) {
            session.release(attachment);
            toConnection(attachment.connection, session, e.code(), e.getMessage());
            return;
        }
        if (!(event instanceof ClientEvent.Resume)) {
            session.release(attachment); // the client did not ask for a replay: events from its attach on
        }
        if (event instanceof ClientEvent.UserMessage m) {
            try {
                turns.start(session, m);
            } catch (ProtocolException refused) {
                toConnection(attachment.connection, session, refused.code(), refused.getMessage());
            }
        } else if (event instanceof ClientEvent.Cancel) {
            if (session.running().turnRunning()) {
                session.running().turn().cancel();
            } else {
                toConnection(attachment.connection, session, ErrorCode.NO_TURN, "no turn is running");
            }
        } else if (event instanceof ClientEvent.ToolResult answer) {
            if (!session.answerTool(answer)) {
                toConnection(attachment.connection, session, ErrorCode.UNKNOWN_TOOL_CALL, "no tool call " + answer.callId()
                        + " is waiting (answered already, timed out, or its action ended)");
            }
        } else if (event instanceof ClientEvent.Resume r) {
            session.resume(attachment, r.lastSeq());
        } else if (event instanceof ClientEvent.Ping p) {
            // A reply to this connection, like its errors: not a session event.
            Attachment.sendOutsideLog(attachment.connection, session.id(), new ServerEvent.Pong(p.id()));
        }
    }


    private static void toConnection(Client connection, Session session, ErrorCode code, String message) {
        Attachment.sendOutsideLog(connection, session == null ? null : session.id(), code, message);
    }

    /** For a connection without a session: one error (seq 0, outside any log), then close. */
    private void reject(WebSocketConnection connection, String id, ErrorCode code, String message) {
        links.remove(connection.id());
        String json = WireCodec.encodeServer(id, 0, ServerEvent.Error.of(code, message));
        connection.sendText(json).chain(() -> connection.close()).subscribe().with(v -> { },
                e -> LOG.debugf("closing %s: %s", connection.id(), e.getMessage()));
    }
}
