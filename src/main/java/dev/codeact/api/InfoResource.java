package dev.codeact.api;

import dev.codeact.agent.AgentRuntime;
import dev.codeact.config.LlmConfig;
import dev.codeact.contract.GatewayInfo;
import dev.codeact.contract.McpServerState;
import dev.codeact.contract.ServerEvent;
import dev.codeact.tools.McpServers;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * What a front end needs before it opens a session: is a model configured, and which. It takes
 * the same credentials as the WebSocket upgrade, so a client can also ask it why an upgrade was
 * refused (a browser's WebSocket API does not show the status).
 */
@Path("/v1/info")
@Authenticated
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "An API key (codeact.auth.mode=api-key) or a signed JWT (jwt), as Authorization: Bearer … or "
                + "?access_token=…; in local mode (the default) no credential, but only loopback clients.")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid credential (or, in local mode, a client not on this machine)")
public class InfoResource {

    private final AgentRuntime agent;
    private final LlmConfig llm;

    private final McpServers mcp;

    public InfoResource(AgentRuntime agent, LlmConfig llm, McpServers mcp) {
        this.mcp = mcp;
        this.agent = agent;
        this.llm = llm;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Gateway information", description = "Model, whether one is configured, the models and temperatures a message may choose, the session WebSocket path, and the state of each MCP server.")
    public GatewayInfo info() {
        List<String> models = new ArrayList<>(List.of(llm.model()));
        llm.allowedModels().orElse(List.of()).stream().filter(m -> !models.contains(m)).forEach(models::add);
        return new GatewayInfo(ServerEvent.PROTOCOL_VERSION, agent.model(), agent.modelConfigured(), agent.maxActions(),
                "/v1/sessions", models, llm.temperature(), llm.maxTemperature(),
                mcp.states().entrySet().stream().map(e -> new McpServerState(e.getKey(), e.getValue())).toList());
    }
}
