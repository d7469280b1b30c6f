package dev.codeact.queue;

import dev.codeact.contract.Result;

/**
 * Which results of one job to take, in order: a job may run again on another worker (a later
 * attempt supersedes an earlier one) and a worker may write an entry twice (a retry after a lost
 * reply keeps its number), so stale attempts and repeated numbers are dropped.
 */
public final class ResultSequence {

    private int attempt;
    private long last;

    /** Whether {@code result} is new for its job. */
    public boolean accept(Result result) {
        if (result.attempt() < attempt) {
            return false;
        }
        if (result.attempt() > attempt) {
            attempt = result.attempt();
            last = 0;
        }
        if (result.n() > 0) {
            if (result.n() <= last) {
                return false;
            }
            last = result.n();
        }
        return true;
    }
}
