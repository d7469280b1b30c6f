package dev.codeact.agent;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.FileOp;
import dev.codeact.contract.Job;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.Result;
import dev.codeact.queue.ActionQueue;
import dev.codeact.queue.ResultSequence;

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
    private final ActionRuns runs;
    private final ResultSequence order = new ResultSequence();
    private final long startedAt = System.nanoTime();
    private long timer = -1;
    private boolean over;

    ActionRun(ActionRuns runs, TurnHost session, Integer turn, Job job, Listener listener) {
        this.runs = runs;
        this.session = session;
        this.turn = turn;
        this.job = job;
        this.listener = listener;
    }

    /** The job of code ({@code file} null) or of a file operation ({@code code} null) in {@code session}'s kernel. */
    public static Job job(TurnHost session, String jobId, String replyTo, String code, FileOp file, long timeoutMs, String traceparent) {
        return new Job(QueueCodec.VERSION, jobId, session.id(), replyTo, code, timeoutMs, System.currentTimeMillis(), traceparent,
                file, session.toolbox().forJob(), session.owner());
    }

    /** The timer that fails the run when no worker reports (set once the run exists: the timer fails this run). */
    void timer(long id) {
        timer = id;
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
            runs.ended(turn, "ok", System.nanoTime() - startedAt);
            session.actionEnded(job.jobId());
            session.kernelSeenOn(result.worker());
            listener.observation((Result.Observation) result);
        }
    }

    /** Nothing more is reported (the turn ended, the client went). */
    public void stop() {
        over = true;
        runs.cancelTimer(timer);
    }

    /** A full job stream is {@code overloaded} (its message says so); anything else is Redis failing. */
    void notQueued(Throwable error) {
        if (error instanceof ActionQueue.OverloadedException) {
            fail(ErrorCode.OVERLOADED, error.getMessage(), error);
        } else {
            fail(ErrorCode.STORAGE, "could not queue the " + (turn == null ? "code" : "action") + ": " + error.getMessage(), error);
        }
    }

    void fail(ErrorCode code, String message, Throwable error) {
        if (!over) {
            stop();
            runs.ended(turn, code.code(), System.nanoTime() - startedAt);
            listener.failed(code, message, error);
        }
    }
}
