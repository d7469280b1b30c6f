package dev.codeact.contract;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * {@code GET /v1/info}: what a front end needs before it opens a session.
 *
 * @param modelConfigured false until {@code CODEACT_LLM_BASE_URL} is set: every turn then ends with {@code no_model}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GatewayInfo(int protocol, String model, boolean modelConfigured, int maxActions, String websocket) {}
