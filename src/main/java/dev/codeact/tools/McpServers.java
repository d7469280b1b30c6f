package dev.codeact.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact.config.ToolsConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ToolFailure;
import dev.codeact.contract.ToolSpec;
import dev.codeact.contract.WireJson;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The MCP servers of {@code codeact.tools.mcp}, each through the official MCP Java SDK: started
 * (stdio) or connected (Streamable HTTP) when the gateway starts, their tools listed, and called
 * for the sessions' code. A server that does not start is tried again every {@value #RETRY_SECONDS}
 * seconds; one that stops answering (a call fails below the protocol, or a ping, sent every
 * {@code HEALTH_INTERVAL} and after a call timed out, gets no answer) is started again at once.
 * Its tools are missing from sessions meanwhile. Each server has its own client, process and
 * state ({@link #states}): one that misbehaves takes nothing from the others. What a stdio server
 * writes to stderr reaches the log as WARN under its name, at most {@value #STDERR_LINES} lines a
 * minute.
 */
@ApplicationScoped
public class McpServers {

    /** One tool of one server, with the Python function the kernel gets for it. */
    public record Tool(String server, String name, ToolSpec python, boolean structured) {}

    /** What a call gave: a value for the code, or why there is none. */
    public record Outcome(JsonNode value, ToolFailure failure) {}

    private static final Logger LOG = Logger.getLogger(McpServers.class);
    private static final int RETRY_SECONDS = 30;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration HEALTH_INTERVAL = Duration.ofSeconds(10);
    static final int STDERR_LINES = 20;

    private final ToolsConfig config;
    private final Vertx vertx;
    private final JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(WireJson.MAPPER.copy());
    private final Map<String, McpAsyncClient> clients = new ConcurrentHashMap<>();
    /** Each connected server's tools, by server name. */
    private final Map<String, List<Tool>> listed = new TreeMap<>();
    /** Every tool of every connected server, by Python name; replaced whole when a server comes or goes. */
    private volatile Map<String, Tool> tools = Map.of();
    /** Each configured server's state, by name: "starting", "up: N tools", or why it is down. */
    private final Map<String, String> states = new ConcurrentHashMap<>();
    /** Servers that started once: later starts get the shorter timeout. */
    private final Map<String, Boolean> startedOnce = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    private long health = -1;

    public McpServers(ToolsConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    public void start() {
        config.mcp().keySet().forEach(this::connect);
        if (!config.mcp().isEmpty()) {
            // A stdio server that dies does not fail the calls sent to it: they would wait for their
            // timeout, and its tools would stay in the prompts. A ping now and then finds it out.
            health = vertx.setPeriodic(HEALTH_INTERVAL.toMillis(), t -> clients.forEach(this::checkAlive));
        }
    }

    public void stop() {
        stopped = true;
        vertx.cancelTimer(health);
        clients.values().forEach(client -> {
            try {
                client.closeGracefully().block(CLOSE_WAIT);
            } catch (RuntimeException e) {
                client.close();
            }
        });
        clients.clear();
    }

    /** Each configured server's state ("starting", "up: 3 tools", "down: …"), by name, in name order. */
    public Map<String, String> states() {
        return new TreeMap<>(states);
    }

    /** The tools of the servers connected now, by Python name. */
    public Map<String, Tool> tools() {
        return tools;
    }

    /** Calls {@code tool}; never fails: a failure is an {@link Outcome} (tool_error, tool_unavailable, tool_timeout). */
    public Uni<Outcome> call(Tool tool, JsonNode arguments) {
        McpAsyncClient client = clients.get(tool.server());
        if (client == null) {
            return Uni.createFrom().item(failure(ErrorCode.TOOL_UNAVAILABLE, "the MCP server '" + tool.server() + "' is not connected"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> args = WireJson.MAPPER.convertValue(arguments, Map.class);
        return Uni.createFrom().completionStage(() -> client.callTool(new McpSchema.CallToolRequest(tool.name(), args)).toFuture())
                .map(this::outcome)
                .ifNoItem().after(config.callTimeout())
                .recoverWithItem(() -> {
                    checkAlive(tool.server(), client);
                    return failure(ErrorCode.TOOL_TIMEOUT, "the MCP tool " + tool.name() + " did not answer within "
                            + config.callTimeout().toMillis() + " ms");
                })
                .onFailure().recoverWithItem(e -> {
                    if (e instanceof McpError) {
                        return failure(ErrorCode.TOOL_ERROR, "the MCP server '" + tool.server() + "' refused the call: " + e.getMessage());
                    }
                    reconnect(tool.server(), client, e);
                    return failure(ErrorCode.TOOL_UNAVAILABLE, "the MCP server '" + tool.server() + "' failed the call: " + e.getMessage());
                });
    }

    /** A call timed out: a slow tool, or a server that is gone without a word (a dead process may not fail its calls). */
    private void checkAlive(String server, McpAsyncClient client) {
        Uni.createFrom().completionStage(() -> client.ping().toFuture())
                .ifNoItem().after(PING_TIMEOUT).fail()
                .subscribe().with(pong -> { }, e -> reconnect(server, client, e));
    }

    /** A call failed below the protocol (the process died, the connection broke): start over with that server. */
    private void reconnect(String server, McpAsyncClient broken, Throwable why) {
        synchronized (this) {
            if (stopped || !clients.remove(server, broken)) {
                return; // someone else is at it already
            }
            publish(server, List.of());
            states.put(server, "down: " + why.getMessage() + "; starting again");
        }
        LOG.warnf("MCP server '%s' failed (%s): connecting again", server, why);
        // Closing stops a process and starting one forks: not on the event loop that noticed.
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            broken.close();
            connect(server);
        });
    }

    private Outcome outcome(McpSchema.CallToolResult result) {
        List<McpSchema.Content> content = result.content() == null ? List.of() : result.content();
        if (Boolean.TRUE.equals(result.isError())) {
            return failure(ErrorCode.TOOL_ERROR, text(content));
        }
        if (result.structuredContent() != null) {
            return new Outcome(WireJson.MAPPER.valueToTree(result.structuredContent()), null);
        }
        if (content.stream().allMatch(c -> c instanceof McpSchema.TextContent)) {
            return new Outcome(TextNode.valueOf(text(content)), null);
        }
        // Images, audio, resources: the content list as the server sent it, for the code to pick from.
        return new Outcome(WireJson.MAPPER.valueToTree(content), null);
    }

    private static String text(List<McpSchema.Content> content) {
        List<String> texts = new ArrayList<>();
        content.forEach(c -> {
            if (c instanceof McpSchema.TextContent t) {
                texts.add(t.text());
            }
        });
        return String.join("\n", texts);
    }

    private static Outcome failure(ErrorCode code, String message) {
        return new Outcome(null, ToolFailure.of(code, message));
    }

    private void connect(String server) {
        if (stopped) {
            return;
        }
        ToolsConfig.McpServer settings = config.mcp().get(server);
        McpAsyncClient client;
        Duration startTimeout = startedOnce.containsKey(server) ? config.mcpStartTimeout() : config.mcpFirstStartTimeout();
        states.putIfAbsent(server, "starting");
        try {
            client = McpClient.async(transport(server, settings))
                    .requestTimeout(config.callTimeout().plusSeconds(5))
                    .initializationTimeout(startTimeout)
                    .clientInfo(new McpSchema.Implementation("codeact-gateway", "1"))
                    .build();
        } catch (RuntimeException e) {
            LOG.errorf("MCP server '%s' is misconfigured: %s", server, e.getMessage());
            states.put(server, "down: misconfigured: " + e.getMessage());
            return;
        }
        client.initialize().then(client.listTools()).toFuture().whenComplete((listed, error) -> {
            if (error != null) {
                LOG.warnf("MCP server '%s' did not start within %s (%s); trying again in %d s", server, startTimeout,
                        error.getMessage(), RETRY_SECONDS);
                states.put(server, "down: did not start (" + error.getMessage() + "); trying again");
                client.close();
                vertx.setTimer(RETRY_SECONDS * 1000L, t -> Infrastructure.getDefaultWorkerPool().execute(() -> connect(server)));
                return;
            }
            clients.put(server, client);
            List<Tool> found = new ArrayList<>();
            for (McpSchema.Tool tool : listed.tools()) {
                JsonNode schema = tool.inputSchema() == null ? null : WireJson.MAPPER.valueToTree(tool.inputSchema());
                found.add(new Tool(server, tool.name(), new ToolSpec(PythonSignatures.mcpName(server, tool.name()),
                        tool.description() == null ? "" : tool.description(), schema), tool.outputSchema() != null));
            }
            publish(server, found);
            startedOnce.put(server, Boolean.TRUE);
            states.put(server, "up: " + found.size() + " tool(s)");
            LOG.infof("MCP server '%s': %d tool(s): %s", server, found.size(),
                    String.join(", ", found.stream().map(t -> t.python().name()).toList()));
        });
    }

    /** The tools in a stable order (servers by name, each's tools as it lists them): the prompt stays the same. */
    private synchronized void publish(String server, List<Tool> found) {
        listed.put(server, List.copyOf(found));
        Map<String, Tool> next = new LinkedHashMap<>();
        listed.values().forEach(each -> each.forEach(t -> next.putIfAbsent(t.python().name(), t)));
        tools = Collections.unmodifiableMap(next);
    }

    private McpClientTransport transport(String server, ToolsConfig.McpServer settings) {
        if (settings.command().isPresent() == settings.url().isPresent()) {
            throw new IllegalArgumentException("codeact.tools.mcp." + server + " needs either command or url");
        }
        if (settings.url().isPresent()) {
            return HttpClientStreamableHttpTransport.builder(settings.url().get()).build();
        }
        List<String> command = settings.command().get();
        ServerParameters.Builder parameters = ServerParameters.builder(command.get(0)).args(command.subList(1, command.size()));
        settings.env().forEach(parameters::addEnvVar);
        StdioClientTransport transport = new StdioClientTransport(parameters.build(), json) {
            @Override
            protected ProcessBuilder getProcessBuilder() {
                // The SDK adds the server's variables to the gateway's whole environment (its model
                // key among them): start from nothing, so the server gets only the minimal set and its own.
                ProcessBuilder builder = super.getProcessBuilder();
                builder.environment().clear();
                return builder;
            }
        };
        StderrLog stderr = new StderrLog(server);
        transport.setStdErrorHandler(stderr::line);
        return transport;
    }

    /** A server's stderr lines as WARN, at most {@value #STDERR_LINES} a minute: a chatty server cannot flood the log. */
    private static final class StderrLog {
        private final String server;
        private long windowStart = System.nanoTime();
        private int lines;
        private int suppressed;

        StderrLog(String server) {
            this.server = server;
        }

        synchronized void line(String line) {
            long now = System.nanoTime();
            if (now - windowStart > Duration.ofMinutes(1).toNanos()) {
                if (suppressed > 0) {
                    LOG.warnf("MCP server '%s': %d more stderr line(s) in the last minute were not logged", server, suppressed);
                }
                windowStart = now;
                lines = 0;
                suppressed = 0;
            }
            if (++lines <= STDERR_LINES) {
                LOG.warnf("MCP server '%s' (stderr): %s", server, line);
            } else {
                suppressed++;
            }
        }
    }
}
