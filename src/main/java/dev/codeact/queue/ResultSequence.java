package dev.codeact.queue;

import dev.codeact.contract.Result;

/**
 * Which results of one job to take, in order: a job may run again on another worker (a later
 * attempt supersedes an earlier one) and a worker may write an entry twice (a retry after a lost
 * reply keeps its number), so stale attempts and repeated numbers are dropped.
 */
public final class ResultSequence {

    /** What to do with one result. */
    public enum Verdict {
        /** Seen already, or of a superseded attempt: dropped. */
        STALE,
        /** The next result. */
        NEXT,
        /**
         * The first result of a newer attempt after results of an earlier one were taken: the code
         * runs again from the start, and whoever saw the earlier output must be told before this one.
         */
        RESTARTED
    }

    /** Why a job runs again from the start: the only way a newer attempt comes about (a takeover). */
    public static final String RESTART_REASON = "the worker running it stopped answering and another took it over";

    private int attempt;
    private long last;
    private boolean taken;

    public Verdict accept(Result result) {
        if (result.attempt() < attempt) {
            return Verdict.STALE;
        }
        boolean restarted = false;
        if (result.attempt() > attempt) {
            restarted = taken;
            attempt = result.attempt();
            last = 0;
        }
        if (result.n() > 0) {
            if (result.n() <= last) {
                return Verdict.STALE;
            }
            last = result.n();
        }
        taken = true;
        return restarted ? Verdict.RESTARTED : Verdict.NEXT;
    }
}
