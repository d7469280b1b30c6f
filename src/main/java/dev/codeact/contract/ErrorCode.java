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
    REPLY_TOO_LONG("reply_too_long"),
    STORAGE("storage");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
