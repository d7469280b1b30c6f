package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Refuses WebSocket upgrades from other web pages (and in local mode to other hosts) with 403,
 * before any WebSocket exists: the rule of HTTP requests ({@link OriginPolicy#refusal}).
 */
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
        String refusal = policy.refusal(request.headers().getAll(HttpHeaders.ORIGIN), PageRequestFilter.authority(request));
        if (refusal == null) {
            return CheckResult.permitUpgrade();
        }
        LOG.debugf("WebSocket upgrade refused: %s", refusal);
        return CheckResult.rejectUpgrade(403);
    }
}
