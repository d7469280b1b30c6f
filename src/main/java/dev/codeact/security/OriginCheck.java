package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.jboss.logging.Logger;

/** Refuses WebSocket upgrades from other web pages with 403, before any WebSocket exists ({@link OriginPolicy}). */
@ApplicationScoped
public class OriginCheck implements HttpUpgradeCheck {

    private static final Logger LOG = Logger.getLogger(OriginCheck.class);

    private final OriginPolicy policy;

    public OriginCheck(AuthConfig config) {
        this.policy = new OriginPolicy(config.mode() == AuthConfig.Mode.LOCAL, config.allowedOrigins().orElse(List.of()));
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        HttpServerRequest request = context.httpRequest();
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (policy.allows(origin, request.getHeader(HttpHeaders.HOST))) {
            return CheckResult.permitUpgrade();
        }
        LOG.debugf("WebSocket upgrade from origin %s refused", origin);
        return CheckResult.rejectUpgrade(403);
    }
}
