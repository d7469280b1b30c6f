package dev.codeact.api;

import dev.codeact.protocol.ProtocolException;
import dev.codeact.security.Authenticator;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** The HTTP API takes the same credentials as the WebSocket handshake. */
public class ApiAuthFilter {

    private final Authenticator authenticator;

    public ApiAuthFilter(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @ServerRequestFilter
    public Optional<RestResponse<Map<String, String>>> authenticate(HttpServerRequest request) {
        try {
            authenticator.authenticate(request.getHeader("Authorization"), request.query(),
                    request.remoteAddress() == null ? null : request.remoteAddress().hostAddress());
            return Optional.empty();
        } catch (ProtocolException e) {
            return Optional.of(RestResponse.ResponseBuilder
                    .create(RestResponse.Status.UNAUTHORIZED, Map.of("code", e.code().code(), "message", e.getMessage()))
                    .type(MediaType.APPLICATION_JSON_TYPE).build());
        }
    }
}
