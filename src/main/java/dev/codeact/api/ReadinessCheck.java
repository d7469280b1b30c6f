package dev.codeact.api;

import dev.codeact.config.CodeactConfig;
import dev.codeact.queue.ResultReader;
import dev.codeact.session.GatewayHeartbeat;
import dev.codeact.tools.McpServers;
import dev.codeact.worker.WorkerService;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready means: as a gateway, results are being read and Redis takes writes (a Redis that answers
 * may still refuse them: MISCONF, OOM, READONLY); as a worker, sandboxes start. (Reaching Redis at
 * all is checked by the Redis client's own health check.)
 */
@Readiness
public class ReadinessCheck implements HealthCheck {

    private final CodeactConfig config;
    private final ResultReader results;
    private final WorkerService worker;

    private final GatewayHeartbeat storage;

    private final McpServers mcp;

    public ReadinessCheck(CodeactConfig config, ResultReader results, WorkerService worker, GatewayHeartbeat storage,
                          McpServers mcp) {
        this.mcp = mcp;
        this.storage = storage;
        this.config = config;
        this.results = results;
        this.worker = worker;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("codeact").up();
        if (config.gateway()) {
            String failure = results.failure() != null ? results.failure()
                    : storage.refusal() != null ? "Redis refuses writes: " + storage.refusal() : null;
            response.withData("gateway", failure == null ? "reading results" : failure);
            // Shown, not judged: a gateway without an MCP server's tools still serves every session.
            mcp.states().forEach((server, state) -> response.withData("mcp " + server, state));
            if (failure != null) {
                response.down();
            }
        }
        if (config.worker()) {
            String reason = worker.notReadyReason();
            response.withData("worker", reason == null ? worker.kernels() + " kernels" : reason);
            if (reason != null) {
                response.down();
            }
        }
        return response.build();
    }
}
