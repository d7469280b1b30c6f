package dev.codeact.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact.config.LlmConfig;
import dev.codeact.protocol.ErrorCode;
import dev.codeact.protocol.WireJson;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Streams chat completions from an OpenAI-compatible server. Built on Vert.x's HTTP client (the
 * layer under the WebClient) because a completion must be read chunk by chunk and closed
 * mid-stream on cancel, which the WebClient's buffered responses do not offer.
 */
@ApplicationScoped
public class LlmClient {

    private final LlmConfig config;
    private final Vertx vertx;
    private final HttpClient http;

    public LlmClient(LlmConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setMaxPoolSize(config.maxConnections())
                .setTrustAll(false)
                .setVerifyHost(true));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    public boolean configured() {
        return config.baseUrl().filter(u -> !u.isBlank()).isPresent();
    }

    public String model() {
        return config.model();
    }

    /** Call on an event loop; the listener is called back on the same context. */
    public LlmCall stream(List<ChatMessage> messages, LlmListener listener) {
        Call call = new Call(listener);
        String base = config.baseUrl().orElseThrow().replaceAll("/+$", "");
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(base + "/chat/completions")
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream")
                .setIdleTimeout(config.idleTimeout().toMillis());
        config.apiKey().filter(k -> !k.isBlank()).ifPresent(k -> options.putHeader("Authorization", "Bearer " + k));
        Buffer body = Buffer.buffer(requestBody(messages));
        call.totalTimer = vertx.setTimer(config.totalTimeout().toMillis(), t -> call.fail(ErrorCode.UPSTREAM_TIMEOUT,
                "the model did not finish within " + config.totalTimeout().toSeconds() + " s"));
        http.request(options)
                .compose(request -> {
                    call.request = request;
                    if (call.done) {
                        request.reset();
                    }
                    return request.send(body);
                })
                .onSuccess(call::onResponse)
                .onFailure(call::onFailure);
        return call;
    }

    private String requestBody(List<ChatMessage> messages) {
        ObjectNode body = WireJson.MAPPER.createObjectNode();
        body.put("model", config.model());
        body.put("stream", true);
        body.put("temperature", config.temperature());
        body.put("max_tokens", config.maxTokens());
        ArrayNode stop = body.putArray("stop");
        config.stop().forEach(stop::add);
        ArrayNode list = body.putArray("messages");
        for (ChatMessage m : messages) {
            list.addObject().put("role", m.role()).put("content", m.content());
        }
        return body.toString();
    }

    private final class Call implements LlmCall {
        private final LlmListener listener;
        private final SseParser sse = new SseParser(this::onEvent);
        private HttpClientRequest request;
        private long totalTimer;
        private boolean done;
        private String finishReason;

        Call(LlmListener listener) {
            this.listener = listener;
        }

        @Override
        public void cancel() {
            if (!done) {
                done = true;
                close();
            }
        }

        private void close() {
            vertx.cancelTimer(totalTimer);
            if (request != null) {
                request.reset();
            }
        }

        void onResponse(HttpClientResponse response) {
            if (done) {
                return;
            }
            int status = response.statusCode();
            if (status / 100 != 2) {
                response.body().onComplete(b -> fail(statusCode(status),
                        "model server answered HTTP " + status + snippet(b.succeeded() ? b.result() : null)));
                return;
            }
            response.handler(chunk -> {
                if (!done) {
                    sse.feed(chunk.getBytes());
                }
            });
            response.exceptionHandler(this::onFailure);
            response.endHandler(v -> {
                if (!done) {
                    sse.end();
                    complete();
                }
            });
        }

        void onFailure(Throwable error) {
            if (error instanceof TimeoutException) {
                fail(ErrorCode.UPSTREAM_TIMEOUT, "no data from the model for " + config.idleTimeout().toSeconds() + " s");
            } else if (error instanceof ConnectException || error instanceof UnknownHostException
                    || error.getCause() instanceof UnknownHostException) {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "cannot reach the model server: " + error.getMessage());
            } else if (error instanceof SSLException) {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "TLS with the model server failed: " + error.getMessage());
            } else {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "model stream failed: " + error);
            }
        }

        private void onEvent(String data) {
            if (done) {
                return;
            }
            if ("[DONE]".equals(data.strip())) {
                complete();
                return;
            }
            JsonNode chunk;
            try {
                chunk = WireJson.MAPPER.readTree(data);
            } catch (Exception e) {
                fail(ErrorCode.UPSTREAM_PROTOCOL, "model sent a chunk that is not JSON: " + abbreviate(data));
                return;
            }
            if (chunk == null || !chunk.isObject()) {
                fail(ErrorCode.UPSTREAM_PROTOCOL, "model sent a chunk that is not a JSON object: " + abbreviate(data));
                return;
            }
            if (chunk.hasNonNull("error")) {
                JsonNode err = chunk.get("error");
                fail(ErrorCode.UPSTREAM_PROTOCOL, "model server reported an error: "
                        + abbreviate(err.hasNonNull("message") ? err.get("message").asText() : err.toString()));
                return;
            }
            JsonNode choice = chunk.path("choices").path(0);
            JsonNode content = choice.path("delta").path("content");
            if (content.isTextual() && !content.asText().isEmpty()) {
                listener.onDelta(content.asText());
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }

        private void complete() {
            if (!done) {
                done = true;
                // Not reset: after [DONE] the connection can go back to the pool.
                vertx.cancelTimer(totalTimer);
                listener.onComplete(finishReason);
            }
        }

        void fail(ErrorCode code, String message) {
            if (!done) {
                done = true;
                close();
                listener.onError(code, message);
            }
        }
    }

    private static ErrorCode statusCode(int status) {
        if (status == 401 || status == 403) {
            return ErrorCode.UPSTREAM_AUTH;
        }
        if (status == 429) {
            return ErrorCode.UPSTREAM_RATE_LIMITED;
        }
        if (status >= 500) {
            return ErrorCode.UPSTREAM_UNAVAILABLE;
        }
        return ErrorCode.UPSTREAM_PROTOCOL;
    }

    private static String snippet(Buffer body) {
        return body == null || body.length() == 0 ? "" : ": " + abbreviate(body.toString());
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
