package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tools the agent's code calls as Python functions (see docs/tools.md): the client's, and those of
 * the MCP servers configured here. The gateway calls them; the worker only relays, so the sandbox
 * never gets a network.
 */
@ConfigMapping(prefix = "codeact.tools")
public interface ToolsConfig {

    /** How long one call may wait for its answer (a client's, or an MCP server's). */
    @WithDefault("30s")
    Duration callTimeout();

    /** Calls one action may make; past it a call raises ToolError (tool_limit) without leaving the worker. */
    @WithDefault("100")
    @Positive
    int maxCallsPerAction();

    /** The JSON of one call's arguments, checked by the worker before the call leaves it. */
    @WithDefault("262144")
    @Positive
    int maxArgumentBytes();

    /** The JSON of one call's value, checked by the gateway before it goes back to the code. */
    @WithDefault("1048576")
    @Positive
    int maxResultBytes();

    /** How long an MCP server gets to start and list its tools before the gateway gives up on it (and retries later). */
    @WithDefault("30s")
    Duration mcpStartTimeout();

    /**
     * The same, for each server's first start after the gateway starts: {@code npx -y …} downloads
     * the server from npm then, which can take minutes (pre-install it to start in seconds).
     */
    @WithDefault("10m")
    Duration mcpFirstStartTimeout();

    /**
     * MCP tools each principal may call, by principal name: globs over the Python names
     * ({@code memory_*}, {@code everything_get_sum}). Client tools are the client's own and always allowed.
     */
    Map<String, List<String>> allow();

    /** The globs of a principal {@code allow} does not list; {@code *}: every tool, an empty value: none. */
    @WithDefault("*")
    List<String> defaultAllow();

    /** The MCP servers, by name; the name prefixes their tools' Python names ({@code memory_read_graph}). */
    Map<String, McpServer> mcp();

    interface McpServer {

        /** A stdio server: the command and its arguments, e.g. {@code npx,-y,@modelcontextprotocol/server-memory}. */
        Optional<List<String>> command();

        /** A Streamable-HTTP server: its endpoint, e.g. {@code http://mcp.internal:3001/mcp}. */
        Optional<String> url();

        /**
         * Environment of a stdio server, on top of a minimal one (PATH, HOME, …): the gateway's own
         * environment, with its secrets, is never passed on.
         */
        Map<String, String> env();
    }
}
