package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Problem;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The HTTP API's guard against other web pages, as {@link OriginCheck} is the WebSocket's: a
 * request a page sends with an {@code Origin} the {@link OriginPolicy} refuses is answered 403
 * before it reaches a resource (browsers send {@code Origin} on every request that changes
 * something). In local mode, where no credential is asked, the request must also name a loopback
 * host: a page whose DNS name was rebound to 127.0.0.1 sends its own name, and could otherwise read
 * the sessions with same-origin GETs, which carry no {@code Origin}.
 */
public class PageRequestFilter {

    private final OriginPolicy policy;

    public PageRequestFilter(AuthConfig config) {
        this.policy = new OriginPolicy(config.mode() == AuthConfig.Mode.LOCAL, config.allowedOrigins().orElse(List.of()));
    }

    @ServerRequestFilter(preMatching = true)
    public Response check(HttpServerRequest request) {
        String refusal = policy.refusal(request.headers().getAll(HttpHeaders.ORIGIN), authority(request));
        return refusal == null ? null : refused(refusal, request);
    }

    /** Host for HTTP/1.1, :authority for HTTP/2, as {@code host[:port]} with an IPv6 address in brackets; null when absent. */
    static String authority(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        if (authority == null) {
            return null;
        }
        String name = authority.host().contains(":") && !authority.host().startsWith("[") ? "[" + authority.host() + "]" : authority.host();
        return authority.port() < 0 ? name : name + ":" + authority.port();
    }

    private static Response refused(String detail, HttpServerRequest request) {
        return Response.status(403).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(ErrorCode.FORBIDDEN_ORIGIN, 403, detail, request.path())).build();
    }
}
