package dev.codeact.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * An entry on a gateway's result stream: a live output chunk, or the action's end.
 *
 * @param kind   {@code chunk} (then {@code stream} and {@code text}), {@code tool_call} (then {@code call}: the
 *               running code called a tool and waits for its {@link ToolReply}) or {@code observation} (then {@code result})
 * @param stream {@code stdout} or {@code stderr}, or {@value #FILE} for a piece of the file a
 *               {@link FileOp#GET} reads (base64, in order)
 * @param n       the entry's number within its job (1, 2, …), the same when a write is retried, so a
 *                reader drops an entry a lost reply made the worker write twice; 0: not numbered
 * @param attempt which run of the job this is (1, or more once a worker that stopped answering was
 *                taken over); a reader drops results of an attempt older than one it has seen
 */
public record Result(int v, String kind, String session, String jobId, String worker, String stream, String text,
                     ExecutionResult result, long n, int attempt, ToolCall call) {

    public static final String CHUNK = "chunk";
    public static final String OBSERVATION = "observation";
    public static final String TOOL_CALL = "tool_call";
    public static final String FILE = "file";

    public Result {
        QueueCodec.require(session, "session");
        QueueCodec.require(jobId, "job_id");
        if (CHUNK.equals(kind)) {
            if (!"stdout".equals(stream) && !"stderr".equals(stream) && !FILE.equals(stream)) {
                throw new IllegalArgumentException("chunk stream must be stdout, stderr or file");
            }
            QueueCodec.require(text, "text");
        } else if (TOOL_CALL.equals(kind)) {
            if (call == null) {
                throw new IllegalArgumentException("tool_call needs a call");
            }
        } else if (OBSERVATION.equals(kind)) {
            if (result == null) {
                throw new IllegalArgumentException("observation needs a result");
            }
        } else {
            throw new IllegalArgumentException("unknown result kind " + kind);
        }
        if (n < 0 || attempt < 0) {
            throw new IllegalArgumentException("n and attempt must be >= 0");
        }
    }

    public static Result chunk(String session, String jobId, String worker, String stream, String text) {
        return new Result(QueueCodec.VERSION, CHUNK, session, jobId, worker, stream, text, null, 0, 0, null);
    }

    public static Result observation(String session, String jobId, String worker, ExecutionResult result) {
        return new Result(QueueCodec.VERSION, OBSERVATION, session, jobId, worker, null, null, result, 0, 0, null);
    }

    public static Result toolCall(String session, String jobId, String worker, ToolCall call) {
        return new Result(QueueCodec.VERSION, TOOL_CALL, session, jobId, worker, null, null, null, 0, 0, call);
    }

    /** This entry as the {@code number}-th of attempt {@code run} of its job. */
    public Result numbered(int run, long number) {
        return new Result(v, kind, session, jobId, worker, stream, text, result, number, run, call);
    }

    @JsonIgnore
    public boolean isChunk() {
        return CHUNK.equals(kind);
    }

    @JsonIgnore
    public boolean isObservation() {
        return OBSERVATION.equals(kind);
    }

    @JsonIgnore
    public boolean isToolCall() {
        return TOOL_CALL.equals(kind);
    }
}
