package dev.codeact.contract;

/** Stable, machine-readable codes of {@code error} events. Renaming one breaks clients. */
public enum ErrorCode {
    BAD_JSON("bad_json"),
    UNKNOWN_TYPE("unknown_type"),
    INVALID_EVENT("invalid_event"),
    FRAME_TOO_LARGE("frame_too_large"),
    TURN_IN_PROGRESS("turn_in_progress"),
    NO_TURN("no_turn"),
    SESSION_NOT_FOUND("session_not_found"),
    SESSION_ELSEWHERE("session_elsewhere"),
    SESSION_MOVED("session_moved"),
    TURN_INTERRUPTED("turn_interrupted"),
    /** The upgrade was answered 401; clients report it under this code (the gateway sends no event then). */
    UNAUTHORIZED("unauthorized"),
    /** The upgrade was answered 403 for the page's Origin; clients report it under this code. */
    FORBIDDEN_ORIGIN("forbidden_origin"),
    FORBIDDEN("forbidden"),
    RATE_LIMITED("rate_limited"),
    TOO_MANY_SESSIONS("too_many_sessions"),
    TOO_MANY_TURNS("too_many_turns"),
    TOO_MANY_CONNECTIONS("too_many_connections"),
    SESSION_FULL("session_full"),
    /**
     * Not an event: the close reason of a connection whose client left more than
     * {@code codeact.limits.client-buffer-bytes} of events unread (status 1008); it reconnects and resumes.
     */
    SLOW_CONSUMER("slow_consumer"),
    NO_MODEL("no_model"),
    OVERLOADED("overloaded"),
    UPSTREAM_UNAVAILABLE("upstream_unavailable"),
    UPSTREAM_AUTH("upstream_auth"),
    UPSTREAM_RATE_LIMITED("upstream_rate_limited"),
    UPSTREAM_TIMEOUT("upstream_timeout"),
    UPSTREAM_PROTOCOL("upstream_protocol"),
    EXECUTION_FAILED("execution_failed"),
    FILE_NOT_FOUND("file_not_found"),
    FILE_TOO_LARGE("file_too_large"),
    /** A download of a file the code was still writing: it changed while it was read (no cut copy is ever sent). */
    FILE_CHANGED("file_changed"),
    REPLY_TOO_LONG("reply_too_long"),
    /** The tool itself failed (an MCP server's error result, a client's error answer). */
    TOOL_ERROR("tool_error"),
    /** No answer within {@code codeact.tools.call-timeout}. */
    TOOL_TIMEOUT("tool_timeout"),
    /** Nobody can answer now: no client of the session is attached, or the MCP server is down. */
    TOOL_UNAVAILABLE("tool_unavailable"),
    /** More calls in one action than {@code codeact.tools.max-calls-per-action}. */
    TOOL_LIMIT("tool_limit"),
    /** Arguments over {@code codeact.tools.max-argument-bytes}, or a result over {@code max-result-bytes}. */
    TOOL_TOO_LARGE("tool_too_large"),
    UNKNOWN_TOOL("unknown_tool"),
    /** The principal's allow-list ({@code codeact.tools.allow}) does not include the tool. */
    TOOL_FORBIDDEN("tool_forbidden"),
    /** A {@code tool_result} frame for a call that is not waiting (answered already, timed out, or never made). */
    UNKNOWN_TOOL_CALL("unknown_tool_call"),
    STORAGE("storage");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /**
     * Seconds after which the same request may succeed (a passing state of the workers, of Redis,
     * of a limit's window); 0 when retrying it cannot help. HTTP's Retry-After and the error
     * event's {@code retry_after}.
     */
    public int retryAfterSeconds() {
        return switch (this) {
            case OVERLOADED, STORAGE, SESSION_ELSEWHERE -> 2;
            case RATE_LIMITED, TOO_MANY_TURNS -> 1;
            default -> 0;
        };
    }
}
