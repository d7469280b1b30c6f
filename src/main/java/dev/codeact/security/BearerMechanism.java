package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * How a request proves who it is, for Quarkus Security: the HTTP API and the WebSocket upgrades
 * ({@code @Authenticated}) are refused with 401 before any WebSocket exists. In local mode a
 * loopback peer (IPv4, {@code ::1} or IPv4-mapped) is the principal {@code local}; otherwise a
 * bearer credential (header, or {@code access_token} in the query) is verified by
 * {@link TokenIdentityProvider}. No credential means anonymous, so public paths (the page,
 * health) stay open.
 */
@ApplicationScoped
public class BearerMechanism implements HttpAuthenticationMechanism {

    private final Authenticator authenticator;

    public BearerMechanism(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        HttpServerRequest request = context.request();
        if (authenticator.mode() == AuthConfig.Mode.LOCAL) {
            if (request.remoteAddress() != null && Authenticator.isLoopback(request.remoteAddress().hostAddress())) {
                return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(Authenticator.LOCAL_PRINCIPAL)).build());
            }
            return Uni.createFrom().nullItem();
        }
        String credential = Authenticator.credential(request.getHeader(HttpHeaders.AUTHORIZATION), request.query());
        if (credential == null) {
            return Uni.createFrom().nullItem();
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                new TokenAuthenticationRequest(new TokenCredential(credential, "bearer")), context));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate",
                authenticator.mode() == AuthConfig.Mode.LOCAL ? "Bearer realm=\"loopback only\"" : "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }
}
