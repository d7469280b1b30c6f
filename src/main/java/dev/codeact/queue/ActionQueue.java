package dev.codeact.queue;

import dev.codeact.contract.Job;
import dev.codeact.contract.ToolReply;
import io.smallrye.mutiny.Uni;

/** Where a turn sends its code actions, and their cancels (Redis Streams: {@link JobQueue}). */
public interface ActionQueue {

    /** The target stream is at {@code codeact.queue.max-jobs}. */
    final class OverloadedException extends RuntimeException {
        OverloadedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Completes with the stream the job went to; fails with {@link OverloadedException} when full.
     *
     * @param knownWorker the worker that ran the session's last action, as its result said (null if none)
     */
    Uni<String> submit(Job job, String knownWorker);

    Uni<Void> cancel(String session, String jobId);

    /** Sends a tool call's answer to {@code worker}, the worker whose job made the call. */
    Uni<Void> answerTool(String worker, ToolReply reply);
}
