package dev.codeact.contract;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * {@code GET /v1/info}: what a front end needs before it opens a session.
 *
 * @param modelConfigured false until {@code CODEACT_LLM_BASE_URL} is set: every turn then ends with {@code no_model}
 * @param models          what a {@code user_message}'s {@code options.model} may name: the default first
 * @param temperature     the default temperature; {@code options.temperature} may be 0 to {@code maxTemperature}
 * @param mcpServers      each MCP server of {@code codeact.tools.mcp}, by name, and its state
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GatewayInfo(int protocol, String model, boolean modelConfigured, int maxActions, String websocket,
                          List<String> models, double temperature, double maxTemperature, List<McpServerState> mcpServers) {}
