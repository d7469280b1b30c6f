package dev.codeact.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real MCP server over Streamable HTTP on a free loopback port (src/test/mcp/http-server.mjs:
 * server-everything's server), configured on the gateway as {@code codeact.tools.mcp.remote.url}.
 */
public class McpHttpServer implements QuarkusTestResourceLifecycleManager {

    private Process node;

    @Override
    public Map<String, String> start() {
        try {
            node = new ProcessBuilder("node", "http-server.mjs").directory(Path.of("src/test/mcp").toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("listening ")) {
                throw new IllegalStateException("the MCP HTTP server did not start: " + line);
            }
            // Keep reading what it prints so it never blocks on a full pipe.
            Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "mcp-http-out");
            drain.setDaemon(true);
            drain.start();
            return Map.of("codeact.tools.mcp.remote.url", "http://127.0.0.1:" + line.substring("listening ".length()) + "/mcp");
        } catch (Exception e) {
            throw new IllegalStateException("could not start the MCP HTTP server", e);
        }
    }

    @Override
    public void stop() {
        if (node != null) {
            node.destroy();
            try {
                node.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
