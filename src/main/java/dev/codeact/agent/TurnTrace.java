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
    private Span submit;

    TurnTrace(Tracer tracer, String session, int number) {
        this.tracer = tracer;
        this.turn = tracer.spanBuilder("codeact turn").setParent(Context.root())
                .setAttribute("codeact.session", LogTag.session(session)).setAttribute("codeact.turn", number).startSpan();
    }

    /** Makes the turn the parent of what starts while the scope is open (the model call). */
    Scope current() {
        return turn.makeCurrent();
    }

    /** An action was cut out of the reply; returns the traceparent its job carries. */
    String actionStarted(String actionId, int index) {
        endAction("superseded");
        Context parent = Context.root().with(turn);
        action = tracer.spanBuilder("codeact action").setParent(parent).setAttribute("codeact.action_id", actionId)
                .setAttribute("codeact.action.index", index).startSpan();
        submit = tracer.spanBuilder("codeact action submit").setParent(parent.with(action)).startSpan();
        return TraceParent.of(parent.with(action));
    }

    /** The job is on its stream (or could not be queued: {@code error}). */
    void submitted(String stream, Throwable error) {
        if (submit == null) {
            return;
        }
        if (error != null) {
            submit.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        } else if (stream != null) {
            submit.setAttribute("codeact.stream", stream);
        }
        submit.end();
        submit = null;
    }

    /** The action's observation reached the turn (on the session's context). */
    void resultReceived(String worker, int attempt) {
        if (action != null) {
            action.addEvent("result received").setAttribute("codeact.worker", worker).setAttribute("codeact.attempt", attempt);
        }
    }

    /** The observation went out to the clients (or the action ended without one: {@code outcome}). */
    void endAction(String outcome) {
        submitted(null, null);
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
