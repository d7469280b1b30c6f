package dev.codeact.tools;

import dev.codeact.config.ToolsConfig;
import dev.codeact.contract.ToolFailure;
import dev.codeact.queue.ActionQueue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;

/** What every session's {@link ToolCalls} shares: the MCP servers, the catalog, the way back to workers, the limits. */
@ApplicationScoped
public class ToolRuntime {

    /** The tool call's timer. */
    public static final String CALL_DURATION = "codeact.tool.call.duration";

    final McpServers mcp;
    final ToolCatalog catalog;
    final ActionQueue queue;
    final ToolsConfig config;
    final Vertx vertx;
    private final MeterRegistry meters;

    public ToolRuntime(McpServers mcp, ToolCatalog catalog, ActionQueue queue, ToolsConfig config, Vertx vertx, MeterRegistry meters) {
        this.mcp = mcp;
        this.catalog = catalog;
        this.queue = queue;
        this.config = config;
        this.vertx = vertx;
        this.meters = meters;
    }

    public ToolCatalog catalog() {
        return catalog;
    }

    public ToolCalls callsOf(ToolHost session) {
        return new ToolCalls(session, this);
    }

    /** A call answered or refused after {@code nanos}: by whom ({@code client}, {@code mcp}, {@code none}) and how ({@code ok} or its code). */
    void recordCall(Toolbox.Entry tool, ToolFailure failure, long nanos) {
        Timer.builder(CALL_DURATION).tag("source", tool == null ? "none" : tool.mcp() == null ? "client" : "mcp")
                .tag("outcome", failure == null ? "ok" : failure.code())
                .description("Tool calls of running code, from the call to its answer or refusal")
                .register(meters).record(nanos, TimeUnit.NANOSECONDS);
    }
}
