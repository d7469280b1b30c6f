package dev.codeact.contract;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * An entry on a gateway's result stream, one of: a live output {@link Chunk}, a {@link ToolCalled}
 * (the running code called a tool and waits for its {@link ToolReply}), or the action's end, its
 * {@link Observation}. On the wire its {@code kind} says which.
 *
 * <p>Every entry has: {@code n}, its number within its job (1, 2, …), the same when a write is
 * retried, so a reader drops an entry a lost reply made the worker write twice (0: not numbered);
 * and {@code attempt}, which run of the job this is (1, or more once a worker that stopped
 * answering was taken over), so a reader drops results of an attempt older than one it has seen.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
@JsonSubTypes({@JsonSubTypes.Type(value = Result.Chunk.class, name = Result.CHUNK),
        @JsonSubTypes.Type(value = Result.ToolCalled.class, name = Result.TOOL_CALL),
        @JsonSubTypes.Type(value = Result.Observation.class, name = Result.OBSERVATION)})
public sealed interface Result permits Result.Chunk, Result.ToolCalled, Result.Observation {

    String CHUNK = "chunk";
    String OBSERVATION = "observation";
    String TOOL_CALL = "tool_call";
    /** The stream of a chunk that is a piece of the file a {@link FileOp#GET} reads (base64, in order). */
    String FILE = "file";

    int v();

    String session();

    String jobId();

    String worker();

    long n();

    int attempt();

    /** This entry as the {@code number}-th of attempt {@code run} of its job. */
    Result numbered(int run, long number);

    /** @param stream {@code stdout} or {@code stderr}, or {@value #FILE} */
    record Chunk(int v, String session, String jobId, String worker, String stream, String text, long n, int attempt)
            implements Result {
        public Chunk {
            check(session, jobId, n, attempt);
            if (!"stdout".equals(stream) && !"stderr".equals(stream) && !FILE.equals(stream)) {
                throw new IllegalArgumentException("chunk stream must be stdout, stderr or file");
            }
            QueueCodec.require(text, "text");
        }

        @Override
        public Chunk numbered(int run, long number) {
            return new Chunk(v, session, jobId, worker, stream, text, number, run);
        }

        /** This chunk with {@code more} text of its stream after its own. */
        public Chunk append(String more) {
            return new Chunk(v, session, jobId, worker, stream, text + more, n, attempt);
        }
    }

    record ToolCalled(int v, String session, String jobId, String worker, ToolCall call, long n, int attempt) implements Result {
        public ToolCalled {
            check(session, jobId, n, attempt);
            if (call == null) {
                throw new IllegalArgumentException("tool_call needs a call");
            }
        }

        @Override
        public ToolCalled numbered(int run, long number) {
            return new ToolCalled(v, session, jobId, worker, call, number, run);
        }
    }

    record Observation(int v, String session, String jobId, String worker, ExecutionResult result, long n, int attempt)
            implements Result {
        public Observation {
            check(session, jobId, n, attempt);
            if (result == null) {
                throw new IllegalArgumentException("observation needs a result");
            }
        }

        @Override
        public Observation numbered(int run, long number) {
            return new Observation(v, session, jobId, worker, result, number, run);
        }
    }

    static Chunk chunk(String session, String jobId, String worker, String stream, String text) {
        return new Chunk(QueueCodec.VERSION, session, jobId, worker, stream, text, 0, 0);
    }

    static Observation observation(String session, String jobId, String worker, ExecutionResult result) {
        return new Observation(QueueCodec.VERSION, session, jobId, worker, result, 0, 0);
    }

    static ToolCalled toolCall(String session, String jobId, String worker, ToolCall call) {
        return new ToolCalled(QueueCodec.VERSION, session, jobId, worker, call, 0, 0);
    }

    private static void check(String session, String jobId, long n, int attempt) {
        QueueCodec.require(session, "session");
        QueueCodec.require(jobId, "job_id");
        if (n < 0 || attempt < 0) {
            throw new IllegalArgumentException("n and attempt must be >= 0");
        }
    }
}
