package dev.codeact.contract;

import java.util.List;

/**
 * One code action on the job stream, or (with {@code file}) one file operation on the session's
 * working directory, run by the same kernel in the same order.
 *
 * @param replyTo     result stream of the gateway that owns the session
 * @param timeoutMs   wall time before the kernel is interrupted
 * @param traceparent W3C trace context of the gateway's span of the action (see {@link TraceParent});
 *                    null while tracing is off
 * @param file        a file operation instead of code; null for code
 * @param tools       the Python functions the session's code may call (its tools), defined in the
 *                    kernel before the code runs; null or empty: none
 * @param principal   the session's owner, whose kernels are bounded across workers
 *                    ({@code codeact.limits.kernels-per-principal}); null from an older gateway: not bounded
 */
public record Job(int v, String jobId, String session, String replyTo, String code, long timeoutMs, long createdAt,
                  String traceparent, FileOp file, List<PythonTool> tools, String principal) {

    public Job {
        QueueCodec.require(jobId, "job_id");
        QueueCodec.require(session, "session");
        QueueCodec.require(replyTo, "reply_to");
        if ((code == null) == (file == null)) {
            throw new IllegalArgumentException("a job has either code or a file operation");
        }
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeout_ms must be > 0");
        }
    }
}
