package dev.codeact.tools;

import dev.codeact.config.ToolsConfig;
import dev.codeact.contract.ToolSpec;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Which tools a session has: its client's own, and the MCP tools its principal's allow-list lets through. */
@ApplicationScoped
public class ToolCatalog {

    private final McpServers mcp;
    private final AllowList allow;

    public ToolCatalog(McpServers mcp, ToolsConfig config) {
        this.mcp = mcp;
        this.allow = AllowList.of(config);
    }

    public Toolbox forSession(String principal, List<ToolSpec> clientTools) {
        List<Toolbox.Entry> entries = new ArrayList<>();
        for (McpServers.Tool tool : mcp.tools().values()) {
            if (allowed(principal, tool.python().name())) {
                entries.add(new Toolbox.Entry(PythonSignatures.of(tool.python(), tool.structured() ? "dict" : "Any"), tool));
            }
        }
        for (ToolSpec spec : clientTools) {
            if (mcp.tools().get(spec.name()) == null) {
                entries.add(new Toolbox.Entry(PythonSignatures.of(spec, "Any"), null));
            }
        }
        return entries.isEmpty() ? Toolbox.EMPTY : new Toolbox(entries);
    }

    /** The first of {@code clientTools} whose name an MCP tool of the gateway has; null when none clashes. */
    public String clash(List<ToolSpec> clientTools) {
        Map<String, McpServers.Tool> gateway = mcp.tools();
        return clientTools.stream().map(ToolSpec::name).filter(gateway::containsKey).findFirst().orElse(null);
    }

    /** Whether {@code principal} may call the gateway's tool {@code name} ({@code codeact.tools.allow}). */
    public boolean allowed(String principal, String name) {
        return allow.allows(principal, name);
    }

    /** The gateway's tools now, by Python name (a new map whenever an MCP server comes or goes). */
    public Map<String, McpServers.Tool> mcpTools() {
        return mcp.tools();
    }

    /** The gateway's tool {@code name}, whoever may call it; null when it has none of that name. */
    public McpServers.Tool mcpTool(String name) {
        return mcp.tools().get(name);
    }
}
