package dev.codeact.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real MCP servers over Streamable HTTP on free loopback ports: src/test/mcp/http-server.mjs
 * (server-everything's server) as {@code codeact.tools.mcp.remote.url}, and big-server.mjs (one
 * tool whose answer is as long as asked) as {@code codeact.tools.mcp.big.url}.
 */
public class McpHttpServer implements QuarkusTestResourceLifecycleManager {

    private final List<Process> nodes = new ArrayList<>();

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.put("codeact.tools.mcp.remote.url", url("http-server.mjs"));
        config.put("codeact.tools.mcp.big.url", url("big-server.mjs"));
        return config;
    }

    private String url(String script) {
        try {
            Process node = new ProcessBuilder("node", script).directory(Path.of("src/test/mcp").toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            nodes.add(node);
            BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("listening ")) {
                throw new IllegalStateException(script + " did not start: " + line);
            }
            // Keep reading what it prints so it never blocks on a full pipe.
            Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "mcp-http-out");
            drain.setDaemon(true);
            drain.start();
            return "http://127.0.0.1:" + line.substring("listening ".length()) + "/mcp";
        } catch (Exception e) {
            throw new IllegalStateException("could not start the MCP HTTP server " + script, e);
        }
    }

    @Override
    public void stop() {
        for (Process node : nodes) {
            node.destroy();
            try {
                node.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
