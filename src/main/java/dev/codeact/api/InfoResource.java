package dev.codeact.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.codeact.agent.AgentRuntime;
import dev.codeact.session.SessionRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** What a front end needs before it opens a session: is a model configured, and which. */
@Path("/v1/info")
public class InfoResource {

    /**
     * @param modelConfigured false until {@code CODEACT_LLM_BASE_URL} is set: every turn then ends with {@code no_model}
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Info(int protocol, String model, boolean modelConfigured, int maxActions, String websocket) {}

    private final AgentRuntime agent;

    public InfoResource(AgentRuntime agent) {
        this.agent = agent;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Gateway information", description = "Model, whether one is configured, and the session WebSocket path.")
    public Info info() {
        return new Info(SessionRegistry.PROTOCOL_VERSION, agent.model(), agent.modelConfigured(), agent.maxActions(),
                "/v1/sessions");
    }
}
