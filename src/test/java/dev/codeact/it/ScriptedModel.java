package dev.codeact.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server speaking OpenAI's streaming chat-completions format. It stands in for the
 * model: each request takes the next scripted reply, sent as small SSE deltas.
 */
public final class ScriptedModel implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One scripted reply.
     *
     * @param text       what the model "says"
     * @param chunk      characters per delta
     * @param delayMs    pause between deltas
     * @param hangAfter  after this many characters, stop sending and hold the connection open
     */
    public record Reply(String text, int chunk, long delayMs, int hangAfter, boolean silent, int status, String retryAfter, byte[] raw) {
        public static Reply of(String text) {
            return new Reply(text, 3, 2, -1, false, 200, null, null);
        }

        /** An HTTP error answer (no stream), e.g. 401, 429 or 503. */
        public static Reply status(int status, String retryAfter) {
            return new Reply("{\"error\":{\"message\":\"scripted " + status + "\"}}", 0, 0, -1, false, status, retryAfter, null);
        }

        /** Bytes exactly as a real server sent them (a recorded SSE fixture), cut into small writes. */
        public static Reply raw(byte[] bytes) {
            return new Reply(null, 7, 1, -1, false, 200, null, bytes);
        }

        public Reply delay(long ms) {
            return new Reply(text, chunk, ms, hangAfter, silent, status, retryAfter, raw);
        }

        public Reply chunk(int n) {
            return new Reply(text, n, delayMs, hangAfter, silent, status, retryAfter, raw);
        }

        /** After {@code chars}, hold the connection open with keep-alive comments until the client closes it. */
        public Reply hangAfter(int chars) {
            return new Reply(text, chunk, delayMs, chars, false, status, retryAfter, raw);
        }

        /** After {@code chars}, send nothing at all (a stalled server) for up to 30 s. */
        public Reply stallAfter(int chars) {
            return new Reply(text, chunk, delayMs, chars, true, status, retryAfter, raw);
        }
    }

    private final HttpServer server;
    private final BlockingQueue<Reply> script = new LinkedBlockingQueue<>();
    private final BlockingQueue<Reply> afterObservation = new LinkedBlockingQueue<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> closedEarly = new LinkedBlockingQueue<>();

    public ScriptedModel() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/v1/chat/completions", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public void enqueue(Reply... replies) {
        script.addAll(List.of(replies));
    }

    /**
     * Replies for requests that follow an observation (their last message is the code's output),
     * taken before the main script: sessions running at once each get an answer after their
     * action, whatever order their requests come in.
     */
    public void enqueueAfterObservation(Reply... replies) {
        afterObservation.addAll(List.of(replies));
    }

    public void reset() {
        script.clear();
        afterObservation.clear();
        requests.clear();
        closedEarly.clear();
    }

    /** Reads a recorded SSE fixture from src/test/resources/sse/. */
    public static byte[] fixture(String name) {
        try (var in = ScriptedModel.class.getResourceAsStream("/sse/" + name)) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("no fixture " + name, e);
        }
    }

    public List<JsonNode> requests() {
        return new ArrayList<>(requests);
    }

    /** Waits until a held-open reply notices that the gateway closed the connection. */
    public String awaitClosedByClient(long timeoutMs) throws InterruptedException {
        return closedEarly.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode request = JSON.readTree(exchange.getRequestBody());
        requests.add(request);
        JsonNode messages = request.path("messages");
        boolean observed = messages.size() > 0
                && messages.get(messages.size() - 1).path("content").asText().startsWith("Execution Output:");
        Reply answer = observed ? afterObservation.poll() : null;
        Reply reply = answer != null ? answer : script.poll();
        if (reply == null) {
            byte[] body = "{\"error\":{\"message\":\"no scripted reply left\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(500, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            return;
        }
        if (reply.status() != 200) {
            byte[] body = reply.text().getBytes(StandardCharsets.UTF_8);
            if (reply.retryAfter() != null) {
                exchange.getResponseHeaders().add("Retry-After", reply.retryAfter());
            }
            exchange.sendResponseHeaders(reply.status(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            return;
        }
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        if (reply.raw() != null) {
            sendRaw(exchange, out, reply);
            return;
        }
        try {
            send(out, delta("role", "assistant"));
            String text = reply.text();
            for (int i = 0; i < text.length(); i += reply.chunk()) {
                if (reply.hangAfter() >= 0 && i >= reply.hangAfter()) {
                    if (reply.silent()) {
                        Thread.sleep(30_000);
                    } else {
                        holdUntilClosed(out);
                    }
                    return;
                }
                send(out, delta("content", text.substring(i, Math.min(text.length(), i + reply.chunk()))));
                if (reply.delayMs() > 0) {
                    Thread.sleep(reply.delayMs());
                }
            }
            ObjectNode end = JSON.createObjectNode();
            end.putArray("choices").addObject().put("index", 0).putObject("delta");
            ((ObjectNode) end.get("choices").get(0)).put("finish_reason", "stop");
            send(out, end.toString());
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | InterruptedException e) {
            closedEarly.add(String.valueOf(e.getMessage()));
        } finally {
            exchange.close();
        }
    }

    private void sendRaw(HttpExchange exchange, OutputStream out, Reply reply) {
        byte[] bytes = reply.raw();
        try {
            for (int i = 0; i < bytes.length; i += reply.chunk()) {
                out.write(bytes, i, Math.min(reply.chunk(), bytes.length - i));
                out.flush();
                Thread.sleep(reply.delayMs());
            }
        } catch (IOException | InterruptedException e) {
            closedEarly.add(String.valueOf(e.getMessage()));
        } finally {
            exchange.close();
        }
    }

    private void holdUntilClosed(OutputStream out) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException closed) {
                closedEarly.add("closed");
                return;
            }
            Thread.sleep(50);
        }
    }

    private static String delta(String field, String value) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("object", "chat.completion.chunk");
        chunk.putArray("choices").addObject().put("index", 0).putObject("delta").put(field, value);
        return chunk.toString();
    }

    private static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
