package dev.codeact.agent;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Job;
import dev.codeact.queue.ActionQueue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@link ActionRun}s and keeps what they share: the queue, the event loop's timers, and
 * the action round trip's metric ({@code codeact.action.duration}: from submitting the job to its
 * observation or failure, by who ran it and how it ended).
 */
public final class ActionRuns {

    /** The action round trip's timer. */
    public static final String DURATION = "codeact.action.duration";

    private final ActionQueue jobs;
    private final Vertx vertx;
    private final MeterRegistry meters;

    public ActionRuns(ActionQueue jobs, Vertx vertx, MeterRegistry meters) {
        this.jobs = jobs;
        this.vertx = vertx;
        this.meters = meters;
    }

    /**
     * Submits {@code job}; on the session's context. {@code turn}: the turn's number for the tool
     * call events (null: the sessions API's). Fails the run when no result came within {@code waitMs}.
     */
    public ActionRun start(TurnHost session, Integer turn, Job job, long waitMs, ActionRun.Listener listener) {
        ActionRun run = new ActionRun(this, session, turn, job, listener);
        run.timer(vertx.setTimer(waitMs, t -> session.run(() -> run.fail(ErrorCode.EXECUTION_FAILED,
                "no worker reported on the " + (turn == null ? "code" : "action") + " within " + waitMs / 1000 + " s", null))));
        jobs.submit(job, session.kernelWorker()).subscribe().with(stream -> session.run(() -> listener.submitted(stream)),
                error -> session.run(() -> run.notQueued(error)));
        return run;
    }

    void cancelTimer(long timer) {
        vertx.cancelTimer(timer);
    }

    /** {@code outcome}: {@code ok} (an observation came, whatever the code did) or the error code the run failed with. */
    void ended(Integer turn, String outcome, long nanos) {
        Timer.builder(DURATION).tag("by", turn == null ? "api" : "turn").tag("outcome", outcome)
                .description("Actions and executions, from submitting the job to its observation or failure")
                .register(meters).record(nanos, TimeUnit.NANOSECONDS);
    }
}
