package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Problem;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import jakarta.ws.rs.core.Response;
import java.net.URI;
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
    private final boolean local;

    public PageRequestFilter(AuthConfig config) {
        this.local = config.mode() == AuthConfig.Mode.LOCAL;
        this.policy = new OriginPolicy(local, config.allowedOrigins().orElse(List.of()));
    }

    @ServerRequestFilter(preMatching = true)
    public Response check(HttpServerRequest request) {
        String host = host(request.authority());
        if (!policy.allows(request.getHeader(HttpHeaders.ORIGIN), host)) {
            return refused("requests from this web page are not allowed (codeact.auth.allowed-origins)", request);
        }
        if (local && !loopbackHost(host)) {
            return refused("in local mode the gateway answers requests to a loopback host only (localhost, 127.0.0.1, [::1])",
                    request);
        }
        return null;
    }

    /** Host for HTTP/1.1, :authority for HTTP/2, as {@code host[:port]} with an IPv6 address in brackets. */
    private static String host(HostAndPort authority) {
        if (authority == null) {
            return null;
        }
        String name = authority.host().contains(":") && !authority.host().startsWith("[") ? "[" + authority.host() + "]" : authority.host();
        return authority.port() < 0 ? name : name + ":" + authority.port();
    }

    private static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        try {
            String name = new URI("http://" + host.strip()).getHost();
            if (name == null) {
                return false;
            }
            return OriginPolicy.loopbackName(name);
        } catch (Exception e) {
            return false;
        }
    }

    private static Response refused(String detail, HttpServerRequest request) {
        return Response.status(403).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(ErrorCode.FORBIDDEN_ORIGIN, 403, detail, request.path())).build();
    }
}
