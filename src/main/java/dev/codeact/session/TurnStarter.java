package dev.codeact.session;

import dev.codeact.agent.AgentRuntime;
import dev.codeact.agent.Turn;
import dev.codeact.config.LimitsConfig;
import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.Sampling;
import dev.codeact.queue.WorkerLoad;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The one place that decides whether a user message starts a turn, and starts it. In order: the
 * session is still here (not moved or deleted), its log has room, no turn of it runs, Redis takes
 * writes, the workers have room, the message's model options are allowed, its tools are not named
 * like the gateway's, and its owner is under its rate and its limit of running turns (which also
 * leases the session to this gateway).
 */
@ApplicationScoped
public class TurnStarter {

    private final SessionRegistry registry;
    private final AgentRuntime agent;
    private final LimitsConfig limits;
    private final SessionIndex index;

    private final GatewayHeartbeat storage;
    private final WorkerLoad load;
    private final PrincipalRate rate;

    public TurnStarter(SessionRegistry registry, AgentRuntime agent, LimitsConfig limits, SessionIndex index, GatewayHeartbeat storage,
                       WorkerLoad load, PrincipalRate rate) {
        this.rate = rate;
        this.storage = storage;
        this.load = load;
        this.registry = registry;
        this.agent = agent;
        this.limits = limits;
        this.index = index;
    }

    /** On the session's context. @throws ProtocolException why no turn started (the session is unchanged) */
    void start(Session session, ClientEvent.UserMessage message) throws ProtocolException {
        if (session.goneWith() != null) {
            throw new ProtocolException(session.goneWith(), "this session is no longer here (moved or deleted)");
        }
        if (session.logFull()) {
            throw new ProtocolException(ErrorCode.SESSION_FULL, "this session's log reached its limit: start a new session");
        }
        if (session.running().turnRunning()) {
            throw new ProtocolException(ErrorCode.TURN_IN_PROGRESS, "a turn is running: wait for turn_end, or send cancel");
        }
        if (message.replacing() && !session.conversation().hasTurn()) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "replace_last: this session has no turn to replace");
        }
        storage.requireWritable();
        load.requireRoom();
        Sampling chosen = session.conversation().sampling().merge(message.options());
        String refusal = agent.refusal(chosen);
        if (refusal != null) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "user_message options: " + refusal);
        }
        String clash = message.tools() == null ? null : session.conversation().toolClash(message.tools());
        if (clash != null) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "user_message tools: tool '" + clash
                    + "' is the name of one of the gateway's tools");
        }
        rate.take(String.valueOf(session.owner()));
        if (!registry.startTurn(session)) {
            throw new ProtocolException(ErrorCode.TOO_MANY_TURNS, "you have " + limits.turnsPerPrincipal()
                    + " turns running, the limit: wait for one to end");
        }
        session.conversation().setSampling(chosen);
        if (message.tools() != null) {
            session.conversation().setClientTools(message.tools());
        }
        Turn turn = session.running().startTurn(number -> agent.newTurn(session.host(), number));
        turn.start(message.text(), message.replacing());
        index.turnStarted(session.owner(), session.id(), turn.number(), message.text());
    }
}
