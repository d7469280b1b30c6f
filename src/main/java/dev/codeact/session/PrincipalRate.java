package dev.codeact.session;

import dev.codeact.config.LimitsConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ProtocolException;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How often one principal may start work on this gateway: turns and executions together, at
 * {@code codeact.limits.runs-per-minute} with bursts of as many, so one principal's script cannot
 * keep the workers busy for everyone. A bucket back to full holds nothing and is dropped.
 */
@ApplicationScoped
public class PrincipalRate {

    private static final long SWEEP_MS = 60_000;

    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final int perMinute;

    public PrincipalRate(LimitsConfig limits, Vertx vertx) {
        this.perMinute = limits.runsPerMinute();
        vertx.setPeriodic(SWEEP_MS, t -> buckets.values().removeIf(TokenBucket::full));
    }

    /** @throws ProtocolException {@code rate_limited} when the principal started as many runs as it may for now */
    public void take(String principal) throws ProtocolException {
        TokenBucket bucket = buckets.computeIfAbsent(principal, p -> new TokenBucket(perMinute / 60.0, perMinute));
        if (!bucket.allow()) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED, "you started " + perMinute
                    + " turns or executions within a minute, the limit (codeact.limits.runs-per-minute): wait a little");
        }
    }
}
