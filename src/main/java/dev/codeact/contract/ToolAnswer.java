package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code POST /v1/sessions/{id}/tool-calls/{call}}: the answer to a client tool's call, for a
 * client that follows the session over HTTP: a {@code value} (any JSON), or an {@code error} message.
 */
public record ToolAnswer(JsonNode value, String error) {}
