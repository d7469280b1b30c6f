package dev.codeact.tools;

import dev.codeact.config.ToolsConfig;
import dev.codeact.queue.ActionQueue;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/** What every session's {@link ToolCalls} shares: the MCP servers, the catalog, the way back to workers, the limits. */
@ApplicationScoped
public class ToolRuntime {

    final McpServers mcp;
    final ToolCatalog catalog;
    final ActionQueue queue;
    final ToolsConfig config;
    final Vertx vertx;

    public ToolRuntime(McpServers mcp, ToolCatalog catalog, ActionQueue queue, ToolsConfig config, Vertx vertx) {
        this.mcp = mcp;
        this.catalog = catalog;
        this.queue = queue;
        this.config = config;
        this.vertx = vertx;
    }

    public ToolCatalog catalog() {
        return catalog;
    }

    public ToolCalls callsOf(ToolHost session) {
        return new ToolCalls(session, this);
    }
}
