package dev.codeact.contract;

/**
 * One MCP server of {@code codeact.tools.mcp}, as {@code GET /v1/info} shows it.
 *
 * @param state {@code starting}, {@code up: N tool(s)}, or {@code down: …} with why (its tools are
 *              missing from sessions meanwhile; the gateway starts it again)
 */
public record McpServerState(String name, String state) {}
