package dev.codeact.session;

import dev.codeact.agent.AgentRuntime;
import dev.codeact.config.SessionConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.Result;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.ToolSpec;
import dev.codeact.queue.JobQueue;
import dev.codeact.tools.ToolRuntime;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/** The sessions this gateway holds in memory; others are loaded from Redis on demand. */
@ApplicationScoped
public class SessionRegistry {

    private static final Logger LOG = Logger.getLogger(SessionRegistry.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    /** How long creating a session over HTTP waits for its first event to be stored before it reports storage. */
    private static final Duration STORE_WAIT = Duration.ofSeconds(10);
    /** Rounds of {@link #DELETE_WAIT_MS} a delete waits for the session's logs to be written. */
    private static final int DELETE_WAIT_ROUNDS = 250;
    private static final long DELETE_WAIT_MS = 20;

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Uni<Session>> loading = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final SessionStore store;
    private final SessionConfig config;
    private final Admission admission;
    private final AgentRuntime agent;
    private final SessionHandover handover;
    private final Vertx vertx;
    private final JobQueue jobs;
    private final SessionIndex index;
    private final ToolRuntime tools;

    SessionRegistry(SessionStore store, SessionConfig config, Admission admission, AgentRuntime agent,
                    SessionHandover handover, Vertx vertx, JobQueue jobs, SessionIndex index, ToolRuntime tools) {
        this.tools = tools;
        this.jobs = jobs;
        this.index = index;
        this.store = store;
        this.config = config;
        this.admission = admission;
        this.agent = agent;
        this.handover = handover;
        this.vertx = vertx;
    }

    /**
     * A new, empty session of {@code principal} on the caller's context, with an unguessable id
     * (128 random bits), counted in its owner's stored sessions. Fails with a
     * {@link ProtocolException}: {@code overloaded}, {@code too_many_sessions}, {@code storage}.
     */
    public Uni<Session> create(Context context, String principal) {
        Session session;
        try {
            session = admitNew(context, principal);
        } catch (ProtocolException e) {
            return Uni.createFrom().failure(e);
        }
        return claim(session).replaceWith(session);
    }

    /**
     * The new session's place among its owner's stored sessions, whichever gateway made the
     * others; refused (or Redis away), the session is let go.
     */
    private Uni<Void> claim(Session session) {
        int limit = admission.storedSessions();
        return index.claim(session.owner(), session.id(), limit)
                .onFailure().transform(e -> new ProtocolException(ErrorCode.STORAGE, "the new session could not be stored: "
                        + e.getMessage()))
                .flatMap(claimed -> claimed ? Uni.createFrom().voidItem() : Uni.createFrom().failure(new ProtocolException(
                        ErrorCode.TOO_MANY_SESSIONS, "you have " + limit + " stored sessions, the limit: delete one first")))
                .onFailure().invoke(e -> session.run(() -> {
                    sessions.remove(session.id(), session);
                    admission.uncount(session);
                }));
    }

    private Session admitNew(Context context, String principal) throws ProtocolException {
        admission.newSession(principal, sessions.size());
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Session session = newSession(id, principal, context, 0, 0, Sampling.DEFAULTS, SessionStore.History.EMPTY, List.of(), List.of());
        session.counted = true;
        sessions.put(id, session);
        return session;
    }

    /**
     * A new session with no connection yet (the sessions API): its first event is stored, and it
     * leaves memory like any session whose last connection went. The item comes once the session
     * is stored and in its owner's list.
     *
     * @throws ProtocolException {@code overloaded} or {@code too_many_sessions}
     */
    public Uni<Session> open(Context context, String principal) throws ProtocolException {
        Session session = admitNew(context, principal);
        Uni<Void> stored = Uni.createFrom().emitter(done -> session.run(() -> {
            session.emit(info(principal));
            session.afterStored(() -> done.complete(null));
            session.checkIdle();
        }));
        return claim(session).chain(() -> stored.ifNoItem().after(STORE_WAIT)
                .failWith(() -> new ProtocolException(ErrorCode.STORAGE, "the new session could not be stored (Redis is away)")))
                .replaceWith(session);
    }

    /**
     * One more client on an existing session (on its context), admitted first: from {@code fromSeq}
     * it gets every later event, once and in order; without one it is held until it says where it
     * stands or its hold ends ({@link Session#release}).
     *
     * @throws ProtocolException as {@link Admission#connection}
     */
    Attachment attach(Session session, Client client, Long fromSeq) throws ProtocolException {
        admission.connection(session);
        if (fromSeq == null) {
            return session.attachHeld(client);
        }
        Attachment attachment = session.attachLive(client);
        session.resume(attachment, fromSeq);
        return attachment;
    }

    /** The first event of every session. */
    public ServerEvent.SessionInfo info(String principal) {
        return new ServerEvent.SessionInfo(ServerEvent.PROTOCOL_VERSION, principal, agent.model(), agent.modelConfigured(),
                agent.maxActions());
    }

    /** Counts a running turn against its owner's limit (false when at it) and leases the session. */
    boolean startTurn(Session session) {
        if (!admission.turnStarted(session)) {
            return false;
        }
        handover.turnStarted(session.id());
        return true;
    }

    /** Drops this gateway's copies of sessions other gateways take over. */
    void listenForTakeovers() {
        handover.listen(this::drop);
    }

    private void drop(String id) {
        Session session = sessions.get(id);
        if (session == null) {
            return;
        }
        session.run(() -> {
            if (!session.running().turnRunning() && sessions.remove(id, session)) {
                admission.uncount(session);
                session.movedAway();
            }
        });
    }

    /**
     * The one lookup of a session by a principal, before anything of it is loaded, announced or
     * revealed: the session when this gateway holds it, empty when it is stored but held by
     * another gateway or by none. Fails with {@code session_not_found} (never created, expired, or
     * not an id at all), {@code forbidden} (another principal's) or {@code storage} (Redis failed).
     */
    public Uni<Optional<Session>> lookup(String id, String principal) {
        if (!validId(id)) {
            return Uni.createFrom().failure(notFound());
        }
        Session known = sessions.get(id);
        if (known != null) {
            return principal.equals(known.owner()) ? Uni.createFrom().item(Optional.of(known)) : Uni.createFrom().failure(forbidden());
        }
        return storage(store.owner(id)).chain(owner -> owner == null ? Uni.createFrom().failure(notFound())
                : owner.equals(principal) ? Uni.createFrom().item(Optional.<Session>empty()) : Uni.createFrom().failure(forbidden()));
    }

    /** Like {@link #lookup}, loading (or taking over) a session this gateway does not hold yet, onto {@code context}. */
    public Uni<Session> find(String id, String principal, Context context) {
        return lookup(id, principal).chain(here -> here.isPresent() ? Uni.createFrom().item(here.get())
                // It may expire while it loads.
                : storage(load(id, context)).onItem().ifNull().failWith(SessionRegistry::notFound));
    }

    /** Redis failing is the client's {@code storage} error, not an internal one. */
    public static <T> Uni<T> storage(Uni<T> read) {
        return read.onFailure(e -> !(e instanceof ProtocolException))
                .transform(e -> new ProtocolException(ErrorCode.STORAGE, "could not read the session: " + e.getMessage()));
    }

    private static ProtocolException notFound() {
        return new ProtocolException(ErrorCode.SESSION_NOT_FOUND, "no such session (never created, or expired)");
    }

    /** Whether {@code id} can be a session id at all (anything else is not looked up). */
    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    private static ProtocolException forbidden() {
        return new ProtocolException(ErrorCode.FORBIDDEN, "this session belongs to another principal");
    }

    private Uni<Session> load(String id, Context context) {
        // Two connections resuming at once must end up on one Session object.
        return loading.computeIfAbsent(id, k -> handover.mayTake(id).chain(() -> store.load(id))
                .map(loaded -> {
                    if (loaded == null) {
                        return null;
                    }
                    handover.taken(id);
                    return sessions.computeIfAbsent(id, x -> adopt(id, loaded, context));
                })
                .eventually(() -> {
                    loading.remove(id);
                })
                .memoize().indefinitely());
    }

    /**
     * Deletes a session held here (see {@link #find}): refused while a turn or an execution runs.
     * Its clients are closed, its kernel is released, and once its logs are written every key of it
     * goes, and it leaves its owner's list.
     */
    public Uni<Void> delete(Session session) {
        return Uni.createFrom().<Void>emitter(done -> session.run(() -> {
            if (session.running().any()) {
                done.fail(new ProtocolException(ErrorCode.TURN_IN_PROGRESS,
                        "a turn or an execution of this session is running: cancel it, or wait for its end"));
                return;
            }
            sessions.remove(session.id(), session);
            admission.uncount(session);
            session.disconnect(ErrorCode.SESSION_NOT_FOUND, "this session was deleted");
            whenStored(session, DELETE_WAIT_ROUNDS, () -> store.delete(session.id())
                    .chain(() -> index.remove(session.owner(), session.id()))
                    .chain(() -> jobs.releaseKernel(session.id()))
                    .subscribe().with(done::complete, done::fail));
        }));
    }

    /** Runs {@code then} once the session's logs are written (or after the rounds: a write that late is not waited for). */
    private void whenStored(Session session, int rounds, Runnable then) {
        if (session.idle() || rounds == 0) {
            then.run();
        } else {
            vertx.setTimer(DELETE_WAIT_MS, t -> session.run(() -> whenStored(session, rounds - 1, then)));
        }
    }

    public int size() {
        return sessions.size();
    }

    /** Routes a worker result to its session; results of sessions not held here are dropped. */
    public void dispatch(Result result) {
        Session session = sessions.get(result.session());
        if (session == null) {
            LOG.debugf("result for unknown session %s dropped", result.session());
            return;
        }
        session.run(() -> session.running().onResult(result));
    }

    /** Results have not been readable for {@code seconds}: turns waiting for an observation end now. */
    public void resultsUnreachable(long seconds) {
        sessions.values().forEach(session -> session.run(() -> session.running().resultsUnreachable(seconds)));
    }

    /** A session created elsewhere (or before a restart); it counts against its owner once a connection is admitted. */
    private Session adopt(String id, SessionStore.Loaded loaded, Context context) {
        Session session = newSession(id, loaded.owner(), context, loaded.lastSeq(), loaded.lastTurn(), loaded.sampling(),
                loaded.history(), loaded.gaps(), loaded.tools());
        if (loaded.turnOpen()) {
            // No lease is held (checked before loading): whoever ran that turn is gone. It sent
            // nothing it had not stored, so the log goes on from its last event, without a gap.
            session.run(() -> session.closeInterruptedTurn(loaded.lastTurn()));
        }
        return session;
    }

    private Session newSession(String id, String owner, Context context, long lastSeq, int turns, Sampling sampling,
                               SessionStore.History history, List<SessionStore.Gap> gaps, List<ToolSpec> clientTools) {
        return new Session(id, owner, context, store, config, lastSeq, turns, sampling, history, gaps, clientTools, tools,
                new Session.Hooks() {
            @Override
            public void detached(Session session) {
                admission.uncount(session);
                scheduleEviction(session);
            }

            @Override
            public void turnEnded(Session session) {
                admission.turnEnded(session);
                handover.stopRenewing(session.id());
            }

            @Override
            public void turnStored(Session session) {
                store.clearTurnOpen(session.id());
                handover.release(session.id());
            }
        });
    }

    private void scheduleEviction(Session session) {
        vertx.setTimer(config.idleEvict().toMillis(), t -> session.run(() -> {
            if (sessions.get(session.id()) != session) {
                return; // evicted by an earlier timer
            }
            if (session.idle()) {
                sessions.remove(session.id(), session);
                admission.uncount(session);
                jobs.releaseKernel(session.id()).subscribe().with(v -> { },
                        e -> LOG.debugf("kernel release of an evicted session not sent: %s", e.getMessage()));
            } else if (session.detached()) {
                // Still writing to Redis, or a client came back: look again later.
                scheduleEviction(session);
            }
        }));
    }
}
