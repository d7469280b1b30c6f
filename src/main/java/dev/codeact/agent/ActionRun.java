package dev.codeact.agent;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.FileOp;
import dev.codeact.contract.Job;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.Result;
import dev.codeact.queue.ActionQueue;
import dev.codeact.queue.ResultSequence;
import io.vertx.core.Vertx;

/**
 * One job's run, from its submission to its observation, for whoever asked for it (a turn's action,
 * an execution or file operation of the sessions API): its results taken in order (an attempt that
 * replaced an earlier one announced, stale entries dropped), its tool calls handed to the session,
 * a full queue reported as {@code overloaded} and any other failure to queue as {@code storage},
 * and a timer for a worker that never reports. Lives on its session's context; after the
 * observation or a failure it reports nothing more.
 */
public final class ActionRun {

    /** What the run reports, on the session's context. */
    public interface Listener {
        /** The job is on its stream. */
        default void submitted(String stream) {
        }

        /** The output so far was an earlier attempt's: the code runs again from the start. */
        void restarted(int attempt);

        void chunk(Result.Chunk chunk);

        void observation(Result.Observation observation);

        /**
         * The run ends without an observation: {@code overloaded} or {@code storage} (the job was not
         * queued; {@code error} is why), or {@code execution_failed} (no worker reported in time).
         */
        void failed(ErrorCode code, String message, Throwable error);
    }

    private final TurnHost session;
    private final Integer turn;
    private final Job job;
    private final Listener listener;
    private final Vertx vertx;
    private final ResultSequence order = new ResultSequence();
    private long timer = -1;
    private boolean over;

    private ActionRun(TurnHost session, Integer turn, Job job, Listener listener, Vertx vertx) {
        this.session = session;
        this.turn = turn;
        this.job = job;
        this.listener = listener;
        this.vertx = vertx;
    }

    /** The job of code ({@code file} null) or of a file operation ({@code code} null) in {@code session}'s kernel. */
    public static Job job(TurnHost session, String jobId, String replyTo, String code, FileOp file, long timeoutMs, String traceparent) {
        return new Job(QueueCodec.VERSION, jobId, session.id(), replyTo, code, timeoutMs, System.currentTimeMillis(), traceparent,
                file, session.toolbox().forJob(), session.owner());
    }

    /**
     * Submits {@code job}; on the session's context. {@code turn}: the turn's number for the tool
     * call events (null: the sessions API's). Fails the run when no result came within {@code waitMs}.
     */
    public static ActionRun start(ActionQueue jobs, Vertx vertx, TurnHost session, Integer turn, Job job, long waitMs,
                                  Listener listener) {
        ActionRun run = new ActionRun(session, turn, job, listener, vertx);
        run.timer = vertx.setTimer(waitMs, t -> session.run(() -> run.fail(ErrorCode.EXECUTION_FAILED,
                "no worker reported on the " + (turn == null ? "code" : "action") + " within " + waitMs / 1000 + " s", null)));
        jobs.submit(job, session.kernelWorker()).subscribe().with(stream -> session.run(() -> listener.submitted(stream)),
                error -> session.run(() -> run.notQueued(error)));
        return run;
    }

    /** A full job stream is {@code overloaded} (its message says so); anything else is Redis failing. */
    private void notQueued(Throwable error) {
        if (error instanceof ActionQueue.OverloadedException) {
            fail(ErrorCode.OVERLOADED, error.getMessage(), error);
        } else {
            fail(ErrorCode.STORAGE, "could not queue the " + (turn == null ? "code" : "action") + ": " + error.getMessage(), error);
        }
    }

    public String jobId() {
        return job.jobId();
    }

    /** A result of this job, on the session's context. */
    public void onResult(Result result) {
        if (over || !result.jobId().equals(job.jobId())) {
            return;
        }
        ResultSequence.Verdict verdict = order.accept(result);
        if (verdict == ResultSequence.Verdict.STALE) {
            return;
        }
        if (verdict == ResultSequence.Verdict.RESTARTED) {
            session.actionEnded(job.jobId()); // the earlier run's tool calls can no longer be answered
            listener.restarted(result.attempt());
        }
        if (result instanceof Result.ToolCalled call) {
            session.toolCall(turn, job.jobId(), call);
        } else if (result instanceof Result.Chunk chunk) {
            listener.chunk(chunk);
        } else {
            stop();
            session.actionEnded(job.jobId());
            session.kernelSeenOn(result.worker());
            listener.observation((Result.Observation) result);
        }
    }

    /** Nothing more is reported (the turn ended, the client went). */
    public void stop() {
        over = true;
        vertx.cancelTimer(timer);
    }

    private void fail(ErrorCode code, String message, Throwable error) {
        if (!over) {
            stop();
            listener.failed(code, message, error);
        }
    }
}
