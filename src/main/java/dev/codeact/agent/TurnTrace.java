package dev.codeact.agent;

import dev.codeact.queue.LogTag;
import dev.codeact.queue.TraceParent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * The spans of one turn on the gateway: the turn, each code action (from its {@code action} event
 * to its {@code observation} event) with its submission to the job stream, and (made current
 * while the model is called) the model calls. The worker's spans join through the job's
 * traceparent. No-ops while tracing is off. Sessions appear by their log tag, not their id.
 */
final class TurnTrace {

    private final Tracer tracer;
    private final Span turn;
    private Span action;

    TurnTrace(Tracer tracer, String session, int number) {
        this.tracer = tracer;
        this.turn = tracer.spanBuilder("codeact turn").setParent(Context.root())
                .setAttribute("codeact.session", LogTag.session(session)).setAttribute("codeact.turn", number).startSpan();
    }

    /** Makes the turn the parent of what starts while the scope is open (the model call). */
    Scope current() {
        return turn.makeCurrent();
    }

    /**
     * An action's job and the span of its submission, which ends wherever the submission's reply
     * arrives (spans may be ended from any thread: no hop to the session's context for it).
     */
    record ActionSpan(String traceparent, Span submit) {

        void submitted(String stream) {
            submit.setAttribute("codeact.stream", stream).end();
        }

        void failed(Throwable error) {
            submit.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage())).end();
        }
    }

    /** An action was cut out of the reply: its span starts, and the traceparent its job carries. */
    ActionSpan actionStarted(String actionId, int index) {
        endAction("superseded");
        Context parent = Context.root().with(turn);
        action = tracer.spanBuilder("codeact action").setParent(parent).setAttribute("codeact.action_id", actionId)
                .setAttribute("codeact.action.index", index).startSpan();
        Span submit = tracer.spanBuilder("codeact action submit").setParent(parent.with(action)).startSpan();
        return new ActionSpan(TraceParent.of(parent.with(action)), submit);
    }

    /** The action's observation reached the turn (on the session's context). */
    void resultReceived(String worker, int attempt) {
        if (action != null) {
            action.addEvent("result received").setAttribute("codeact.worker", worker).setAttribute("codeact.attempt", attempt);
        }
    }

    /** The observation went out to the clients (or the action ended without one: {@code outcome}). */
    void endAction(String outcome) {
        if (action != null) {
            action.setAttribute("codeact.action.outcome", outcome);
            action.end();
            action = null;
        }
    }

    void ended(String reason, int actions) {
        endAction(reason);
        turn.setAttribute("codeact.turn.end", reason).setAttribute("codeact.turn.actions", actions);
        if ("error".equals(reason)) {
            turn.setStatus(StatusCode.ERROR);
        }
        turn.end();
    }
}
