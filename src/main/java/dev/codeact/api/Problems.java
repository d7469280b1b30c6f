package dev.codeact.api;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Problem;
import dev.codeact.contract.ProtocolException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The HTTP API's errors as RFC 9457 problem details, each with the protocol's error code. */
public class Problems {

    @ServerExceptionMapper
    public Response refused(ProtocolException e, UriInfo uri) {
        int status = status(e.code());
        Response.ResponseBuilder response = Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(e.code(), status, e.getMessage(), uri.getPath()));
        int retryAfter = e.code().retryAfterSeconds();
        if (retryAfter > 0) {
            response.header("Retry-After", retryAfter);
        }
        return response.build();
    }

    static int status(ErrorCode code) {
        return switch (code) {
            case BAD_JSON, UNKNOWN_TYPE, INVALID_EVENT -> 400;
            case UNAUTHORIZED -> 401;
            case FORBIDDEN, FORBIDDEN_ORIGIN -> 403;
            case SESSION_NOT_FOUND, FILE_NOT_FOUND, UNKNOWN_TOOL, UNKNOWN_TOOL_CALL -> 404;
            case TOOL_FORBIDDEN -> 403;
            case TOOL_ERROR, TOOL_UNAVAILABLE -> 502;
            case TOOL_TIMEOUT -> 504;
            case TOOL_LIMIT -> 429;
            case TOOL_TOO_LARGE -> 413;
            case TURN_IN_PROGRESS, NO_TURN, SESSION_ELSEWHERE, SESSION_MOVED, SESSION_FULL, TURN_INTERRUPTED, FILE_CHANGED -> 409;
            case FRAME_TOO_LARGE, REPLY_TOO_LONG, FILE_TOO_LARGE -> 413;
            case RATE_LIMITED, TOO_MANY_SESSIONS, TOO_MANY_TURNS, TOO_MANY_CONNECTIONS, SLOW_CONSUMER -> 429;
            case UPSTREAM_UNAVAILABLE, UPSTREAM_AUTH, UPSTREAM_RATE_LIMITED, UPSTREAM_PROTOCOL -> 502;
            case NO_MODEL, OVERLOADED, STORAGE -> 503;
            case UPSTREAM_TIMEOUT, EXECUTION_FAILED -> 504;
        };
    }
}
