import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;

/**
 * The floor of the gateway's stack, for bin/bench: a relay with no agent logic, built on what the
 * gateway is built on (Vert.x HTTP client and server, Jackson). Each WebSocket message
 * {@code {"text": …}} becomes one streamed chat completion; the content deltas of each network
 * read go out as one {@code {"type":"token","text":…}} frame (the gateway groups deltas the same
 * way), then {@code {"type":"turn_end"}}. No parsing of actions, no event log, no sessions.
 *
 * <p>Run by bench/bench.mjs as a single-file program on the application's own jars:
 * {@code java -cp 'target/quarkus-app/lib/main/*' bench/BareRelay.java PORT MODEL_URL}
 */
public class BareRelay extends AbstractVerticle {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final int port;
    private final String modelUrl;
    private HttpClient http;

    BareRelay(int port, String modelUrl) {
        this.port = port;
        this.modelUrl = modelUrl;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        // As many event loops as Quarkus gives the gateway (2 per core), one server instance on each.
        int loops = 2 * Runtime.getRuntime().availableProcessors();
        Vertx.vertx().deployVerticle(() -> new BareRelay(port, args[1]), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("bare relay listening on " + port))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public void start() {
        http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(4096).setKeepAliveTimeout(4));
        vertx.createHttpServer().webSocketHandler(this::session).listen(port, "127.0.0.1");
    }

    private void session(ServerWebSocket ws) {
        ws.writeTextMessage("{\"type\":\"session\"}");
        ws.textMessageHandler(frame -> {
            try {
                relay(ws, JSON.readTree(frame).path("text").asText());
            } catch (Exception e) {
                ws.writeTextMessage("{\"type\":\"error\"}");
            }
        });
    }

    /** As the gateway does: a connection closed or reset before any answer is tried again (up to 3 times). */
    private void relay(ServerWebSocket ws, String text) {
        relay(ws, text, 0);
    }

    private void relay(ServerWebSocket ws, String text, int retries) {
        ObjectNode body = JSON.createObjectNode().put("stream", true);
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        http.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(modelUrl)
                        .putHeader("Content-Type", "application/json"))
                .compose(request -> request.send(Buffer.buffer(body.toString())))
                .onSuccess(response -> {
                    StringBuilder line = new StringBuilder();
                    response.handler(chunk -> {
                        StringBuilder deltas = new StringBuilder();
                        for (char c : chunk.toString(StandardCharsets.UTF_8).toCharArray()) {
                            if (c != '\n') {
                                line.append(c);
                                continue;
                            }
                            if (line.length() > 6 && line.charAt(6) == '{' && line.indexOf("data: ") == 0) {
                                try {
                                    JsonNode content = JSON.readTree(line.substring(6)).path("choices").path(0).path("delta")
                                            .path("content");
                                    deltas.append(content.isTextual() ? content.asText() : "");
                                } catch (Exception e) {
                                    // not a chunk the floor needs to understand
                                }
                            }
                            line.setLength(0);
                        }
                        if (!deltas.isEmpty()) {
                            ws.writeTextMessage(JSON.createObjectNode().put("type", "token").put("text", deltas.toString())
                                    .toString());
                        }
                    });
                    response.endHandler(v -> ws.writeTextMessage("{\"type\":\"turn_end\"}"));
                })
                .onFailure(e -> {
                    if (retries < 3 && (e instanceof io.vertx.core.http.HttpClosedException
                            || String.valueOf(e.getMessage()).contains("reset"))) {
                        relay(ws, text, retries + 1);
                    } else {
                        ws.writeTextMessage(JSON.createObjectNode().put("type", "error").put("code", "upstream")
                                .put("message", String.valueOf(e)).toString());
                    }
                });
    }
}
