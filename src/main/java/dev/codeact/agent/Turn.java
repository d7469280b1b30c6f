package dev.codeact.agent;

import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.Job;
import dev.codeact.contract.Result;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.TurnEndReason;
import dev.codeact.contract.Usage;
import dev.codeact.llm.ModelCallException;
import dev.codeact.llm.ModelDelta;
import dev.codeact.queue.ResultSequence;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.subscription.Cancellable;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * One turn of the CodeAct loop: model call → action → observation → model call … until an answer
 * without code, the action limit, cancel or an error. Runs on its session's context only.
 */
public final class Turn {

    private static final Logger LOG = Logger.getLogger(Turn.class);

    private enum State { NEW, STREAMING, EXECUTING, CANCELLING, DONE }

    private final AgentRuntime rt;
    private final TurnHost session;
    private final int number;
    private final long startedAt = System.nanoTime();
    private State state = State.NEW;
    private int actions;
    /** Cancelled while the turn's start was being stored: it ends as soon as it begins. */
    private boolean cancelledEarly;
    /** The current action's job, while it runs. */
    private ActionRun run;
    /** Why the session stopped the turn while an action ran (it ends with that error once the action stops). */
    private ErrorCode stoppedBy;
    private ActionParser parser;
    /** The model call streaming now; cancelling it closes its connection. */
    private Cancellable call;
    private String actionId;
    private long cancelTimer = -1;
    private Usage usage = Usage.NONE;
    private boolean reportedUsage;
    private final TurnTrace trace;

    Turn(AgentRuntime rt, TurnHost session, int number) {
        this.rt = rt;
        this.session = session;
        this.number = number;
        this.trace = new TurnTrace(rt.tracer, session.id(), number);
    }

    public int number() {
        return number;
    }

    /**
     * Starts once the session has stored that this turn runs (one Redis write, before any event of
     * it). {@code replaceLast}: the model is told the history before the last turn, this message
     * in place of that turn's (the kernel keeps its state).
     */
    public void start(String userText, boolean replaceLast) {
        session.markTurnOpen(number).subscribe().with(stored -> session.run(() -> begin(userText, replaceLast, null)),
                error -> session.run(() -> begin(userText, replaceLast, error)));
    }

    private void begin(String userText, boolean replaceLast, Throwable notMarked) {
        if (state != State.NEW) {
            return;
        }
        if (replaceLast) {
            session.rewindLastTurn();
        }
        UserNotes notes = session.takeNotes();
        session.appendHistory(new ChatMessage(ChatMessage.USER, notes.text() + userText));
        session.emit(new ServerEvent.TurnStart(number, userText, notes.uploads().isEmpty() ? null : notes.uploads(),
                replaceLast ? number - 1 : null));
        if (notMarked != null) {
            fail(ErrorCode.STORAGE, "the turn could not be started: Redis did not answer (" + notMarked.getMessage() + ")");
            return;
        }
        if (cancelledEarly) {
            end(TurnEndReason.CANCELLED);
            return;
        }
        if (!rt.llm.configured()) {
            fail(ErrorCode.NO_MODEL, "no model is configured: set CODEACT_LLM_BASE_URL (and CODEACT_LLM_API_KEY, "
                    + "CODEACT_LLM_MODEL) to an OpenAI-compatible server");
            return;
        }
        callModel();
    }

    private void callModel() {
        state = State.STREAMING;
        parser = new ActionParser();
        Sampling sampling = session.sampling();
        // The client calls back on the context that made the call (this session's); session.run
        // keeps that true even if a pooled connection ever reported on another one.
        try (Scope parent = trace.current()) {
            call = rt.llm.stream(rt.prompt.messages(session.history(), rt.llm.maxTokens(sampling), session.toolbox().prompt()), sampling).subscribe().with(
                    delta -> session.run(() -> {
                        if (delta instanceof ModelDelta.Text text) {
                            onModelDelta(text.text());
                        } else if (delta instanceof ModelDelta.End end) {
                            onModelEnd(end.finishReason(), end.usage());
                        }
                    }),
                    failure -> session.run(() -> onModelFailure(failure)));
        }
    }

    private void onModelEnd(String finishReason, Usage reported) {
        usage = usage.plus(reported);
        reportedUsage |= reported != null;
        if (state == State.STREAMING && parser.insideAction() && !"stop".equals(finishReason)) {
            // Only a stop sequence (or the closing tag, cut in onModelDelta) completes an action: a
            // reply cut by max_tokens, or a stream that just ended, holds incomplete code, which
            // must not run.
            keepPartialReply();
            if ("length".equals(finishReason)) {
                fail(ErrorCode.REPLY_TOO_LONG, "the model reached max_tokens (" + rt.llm.maxTokens(session.sampling())
                        + ") inside a code action; the incomplete code was not run");
            } else {
                fail(ErrorCode.UPSTREAM_PROTOCOL, "the model's reply ended inside a code action without </execute> or a "
                        + "stop sequence (finish_reason: " + finishReason + "); the incomplete code was not run");
            }
            return;
        }
        onModelDone();
    }

    private void onModelFailure(Throwable failure) {
        if (state == State.STREAMING) {
            keepPartialReply();
            if (failure instanceof ModelCallException model) {
                fail(model.code(), model.getMessage());
            } else {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "the model call failed: " + failure);
            }
        }
    }

    private void onModelDelta(String text) {
        if (state != State.STREAMING) {
            return;
        }
        ActionParser.Feed feed = parser.feed(text);
        if (!feed.relay().isEmpty()) {
            session.emit(new ServerEvent.Token(number, feed.relay()));
            ErrorCode stop = session.stopCode();
            if (stop != null) {
                call.cancel();
                keepPartialReply();
                fail(stop, stopMessage(stop));
                return;
            }
        }
        if (feed.closed()) {
            // The server did not stop at </execute>: nothing after the action may reach the client.
            call.cancel();
            onModelDone();
        }
    }

    private void onModelDone() {
        if (state != State.STREAMING) {
            return;
        }
        ActionParser.Reply reply = parser.finish();
        session.appendHistory(new ChatMessage(ChatMessage.ASSISTANT, reply.text()));
        if (reply.code() == null) {
            end(TurnEndReason.ANSWER);
        } else {
            runAction(reply.code());
        }
    }

    /**
     * Results cannot arrive: this gateway has not been able to read its result stream for the
     * retry window (Redis is away). The turn ends now rather than after the result timeout.
     */
    public void resultsUnreachable(long seconds) {
        if (state == State.EXECUTING || state == State.CANCELLING) {
            fail(ErrorCode.STORAGE, "Redis has been unreachable for " + seconds + " s, so the action's observation "
                    + "cannot arrive (its code may have run); send the message again once Redis is back");
        }
    }

    private void runAction(String code) {
        actions++;
        actionId = "a-" + UUID.randomUUID();
        state = State.EXECUTING;
        session.emit(new ServerEvent.Action(number, actionId, actions, code));
        TurnTrace.ActionSpan traced = trace.actionStarted(actionId, actions);
        Job job = ActionRun.job(session, actionId, rt.replyTo, code, null, rt.config.actionTimeout().toMillis(), traced.traceparent());
        String id = actionId;
        run = rt.runs.start(session, number, job, rt.config.resultTimeout().toMillis(), new ActionRun.Listener() {
            @Override
            public void submitted(String stream) {
                traced.submitted(stream);
            }

            @Override
            public void restarted(int attempt) {
                session.emit(new ServerEvent.ActionRestarted(number, id, attempt, ResultSequence.RESTART_REASON));
            }

            @Override
            public void chunk(Result.Chunk chunk) {
                session.emit(new ServerEvent.ObservationChunk(number, id, chunk.stream(), chunk.text()));
                ErrorCode stop = session.stopCode();
                if (stop != null && state == State.EXECUTING) {
                    stoppedBy = stop;
                    cancel();
                }
            }

            @Override
            public void observation(Result.Observation observation) {
                observed(observation);
            }

            @Override
            public void failed(ErrorCode code, String message, Throwable error) {
                if (error != null) {
                    traced.failed(error);
                }
                // A job that could not be queued while the action was being cancelled ends the turn as cancelled.
                if (state == State.EXECUTING || code == ErrorCode.EXECUTION_FAILED) {
                    fail(code, message);
                }
            }
        });
    }

    /** A result from the worker; anything not about the current action is stale and ignored. */
    public void onResult(Result result) {
        if ((state != State.EXECUTING && state != State.CANCELLING) || run == null) {
            LOG.debugf("session %s: ignoring stale result for %s", session.id(), result.jobId());
            return;
        }
        run.onResult(result);
    }

    private void observed(Result.Observation observation) {
        run = null;
        trace.resultReceived(observation.worker(), observation.attempt());
        ExecutionResult r = observation.result();
        List<String> gone = session.filesSeen(r.files(), r.restarted());
        String text = rt.formatter.format(r, rt.config.actionTimeout().toSeconds(), gone);
        session.emit(new ServerEvent.Observation(number, actionId, r, text));
        trace.endAction(r.restarted() ? "restarted" : r.error() != null ? "error" : "ok");
        session.appendHistory(ChatMessage.observation(rt.config.observationPrefix() + text));
        ErrorCode stop = stoppedBy != null ? stoppedBy : session.stopCode();
        if (stop != null) {
            fail(stop, stopMessage(stop));
        } else if (state == State.CANCELLING) {
            end(TurnEndReason.CANCELLED);
        } else if (actions >= rt.config.maxActions()) {
            end(TurnEndReason.MAX_ACTIONS);
        } else {
            callModel();
        }
    }

    public void cancel() {
        switch (state) {
            case STREAMING -> {
                call.cancel();
                keepPartialReply();
                end(TurnEndReason.CANCELLED);
            }
            case EXECUTING -> {
                state = State.CANCELLING;
                String cancelled = actionId;
                rt.jobs.cancel(session.id(), cancelled).subscribe().with(v -> { },
                        e -> LOG.warnf("cancel of %s not published: %s", cancelled, e.getMessage()));
                // The interrupted action's observation normally arrives at once; never wait forever.
                cancelTimer = rt.vertx.setTimer(rt.config.cancelGrace().toMillis(), t -> session.run(() -> {
                    if (state == State.CANCELLING) {
                        session.appendHistory(ChatMessage.observation(
                                rt.config.observationPrefix() + "[Execution cancelled by the user.]"));
                        if (stoppedBy != null) {
                            fail(stoppedBy, stopMessage(stoppedBy));
                        } else {
                            end(TurnEndReason.CANCELLED);
                        }
                    }
                }));
            }
            case NEW -> cancelledEarly = true;
            default -> { }
        }
    }

    private static String stopMessage(ErrorCode stop) {
        return stop == ErrorCode.SESSION_FULL
                ? "this session's log reached its limit (codeact.session.max-log-events or max-log-bytes): the turn was "
                        + "stopped; start a new session to go on"
                : "this session's events are not being stored (Redis is away, too slow, or refuses writes): the turn was "
                        + "stopped; send the message again once Redis is back";
    }

    /** What the model said before the turn was cut short stays in the history it will see next. */
    private void keepPartialReply() {
        String said = parser.interruptedText().stripTrailing();
        if (!said.isBlank()) {
            session.appendHistory(new ChatMessage(ChatMessage.ASSISTANT, said + " [interrupted]"));
        }
    }

    private void fail(ErrorCode code, String message) {
        session.emit(ServerEvent.Error.of(code, message, number));
        end(TurnEndReason.ERROR);
    }

    private void end(TurnEndReason reason) {
        if (actionId != null) {
            session.actionEnded(actionId);
        }
        state = State.DONE;
        rt.vertx.cancelTimer(cancelTimer);
        if (run != null) {
            run.stop();
            run = null;
        }
        long ms = (System.nanoTime() - startedAt) / 1_000_000;
        // Released before turn_end goes out: a client that starts its next turn (in any of its
        // sessions) on seeing it must find the turn counted as ended.
        session.turnEnded(this);
        session.emit(new ServerEvent.TurnEnd(number, reason.wire(), actions, ms, reportedUsage ? usage : null));
        session.turnEndEmitted();
        rt.recordTurn(reason.wire(), actions, ms);
        trace.ended(reason.wire(), actions);
    }
}
