package dev.codeact.session;

import dev.codeact.agent.AgentRuntime;
import dev.codeact.agent.Turn;
import dev.codeact.config.LimitsConfig;
import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.Sampling;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The one place that decides whether a user message starts a turn, and starts it. In order: the
 * session's log has room, no turn of it runs, the message's model options are allowed, and its
 * owner is under the per-principal turn limit (which also leases the session to this gateway).
 */
@ApplicationScoped
public class TurnStarter {

    private final SessionRegistry registry;
    private final AgentRuntime agent;
    private final LimitsConfig limits;

    public TurnStarter(SessionRegistry registry, AgentRuntime agent, LimitsConfig limits) {
        this.registry = registry;
        this.agent = agent;
        this.limits = limits;
    }

    /** On the session's context. @throws ProtocolException why no turn started (the session is unchanged) */
    void start(Session session, ClientEvent.UserMessage message) throws ProtocolException {
        if (session.logFull()) {
            throw new ProtocolException(ErrorCode.SESSION_FULL, "this session's log reached its limit: start a new session");
        }
        if (session.turnRunning()) {
            throw new ProtocolException(ErrorCode.TURN_IN_PROGRESS, "a turn is running: wait for turn_end, or send cancel");
        }
        Sampling chosen = session.sampling().merge(message.options());
        String refusal = agent.refusal(chosen);
        if (refusal != null) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "user_message options: " + refusal);
        }
        if (!registry.startTurn(session)) {
            throw new ProtocolException(ErrorCode.TOO_MANY_TURNS, "you have " + limits.turnsPerPrincipal()
                    + " turns running, the limit: wait for one to end");
        }
        session.setSampling(chosen);
        Turn turn = agent.newTurn(session, session.nextTurnNumber());
        session.setTurn(turn);
        turn.start(message.text());
    }
}
