package dev.codeact.session;

import dev.codeact.config.LimitsConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.queue.WorkerLoad;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What a gateway lets each principal hold: sessions in memory (in all and per principal),
 * connections per session, turns running per principal. The counters are shared by every
 * session's context, so each is one atomic step.
 */
@ApplicationScoped
class Admission {

    private final PrincipalCounters sessionsHeld = new PrincipalCounters();
    private final PrincipalCounters turnsRunning = new PrincipalCounters();
    private final LimitsConfig limits;
    private final GatewayHeartbeat storage;
    private final WorkerLoad load;

    Admission(LimitsConfig limits, GatewayHeartbeat storage, WorkerLoad load) {
        this.limits = limits;
        this.storage = storage;
        this.load = load;
    }

    /**
     * Counts a new session of {@code principal} while this gateway holds {@code held}.
     *
     * @throws ProtocolException {@code storage}, {@code overloaded} or {@code too_many_sessions}
     */
    void newSession(String principal, int held) throws ProtocolException {
        storage.requireWritable();
        load.requireRoom();
        if (held >= limits.maxSessions()) {
            throw new ProtocolException(ErrorCode.OVERLOADED, "this gateway holds " + held
                    + " sessions, its limit; try again later or another gateway");
        }
        if (!sessionsHeld.tryAcquire(principal, limits.sessionsPerPrincipal())) {
            throw new ProtocolException(ErrorCode.TOO_MANY_SESSIONS, "you hold " + limits.sessionsPerPrincipal()
                    + " sessions on this gateway, the limit: reuse one (reconnect to /v1/sessions/{id})");
        }
    }

    /**
     * One more connection to {@code session} (on its context): at most {@code connections-per-session},
     * and a session with a connection counts against its owner.
     *
     * @throws ProtocolException {@code too_many_connections} or {@code too_many_sessions}
     */
    void connection(Session session) throws ProtocolException {
        if (session.connections() >= limits.connectionsPerSession()) {
            throw new ProtocolException(ErrorCode.TOO_MANY_CONNECTIONS, "this session has " + session.connections()
                    + " connections, the limit: close one first");
        }
        if (!session.counted) {
            if (!sessionsHeld.tryAcquire(String.valueOf(session.owner()), limits.sessionsPerPrincipal())) {
                throw new ProtocolException(ErrorCode.TOO_MANY_SESSIONS, "you have " + limits.sessionsPerPrincipal()
                        + " sessions open on this gateway, the limit: close one first");
            }
            session.counted = true;
        }
    }

    /** The session no longer counts against its owner (no connection, or gone from memory). */
    void uncount(Session session) {
        if (session.counted) {
            session.counted = false;
            sessionsHeld.release(String.valueOf(session.owner()));
        }
    }

    /** Counts a running turn against its owner's limit; false when at it. */
    boolean turnStarted(Session session) {
        return turnsRunning.tryAcquire(String.valueOf(session.owner()), limits.turnsPerPrincipal());
    }

    void turnEnded(Session session) {
        turnsRunning.release(String.valueOf(session.owner()));
    }

    /** How many sessions a principal may have stored, over all gateways. */
    int storedSessions() {
        return limits.storedSessionsPerPrincipal();
    }
}
