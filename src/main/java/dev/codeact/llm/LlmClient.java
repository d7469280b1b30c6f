package dev.codeact.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact.config.LlmConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.Usage;
import dev.codeact.contract.WireJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Streams chat completions from an OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI).
 * Built on Vert.x's HTTP client (the layer under the WebClient) because a completion must be read
 * chunk by chunk and closed mid-stream on cancel, which the WebClient's buffered responses do not
 * offer. A 429 or 5xx before the first token is retried with exponential backoff and jitter,
 * honouring {@code Retry-After}; everything else ends the call with a stable error code.
 */
@ApplicationScoped
public class LlmClient {

    private final LlmConfig config;
    private final Vertx vertx;
    private final HttpClient http;
    private final Timer firstToken;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final MeterRegistry meters;
    private final Tracer tracer;

    public LlmClient(LlmConfig config, Vertx vertx, MeterRegistry meters, Tracer tracer) {
        this.config = config;
        this.tracer = tracer;
        this.vertx = vertx;
        this.meters = meters;
        // Idle pooled connections are dropped before the usual server keep-alive (uvicorn, as in
        // vLLM, and Node close after 5 s): reusing one the server is closing fails the call.
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setMaxPoolSize(config.maxConnections())
                .setKeepAliveTimeout(4)
                .setVerifyHost(true));
        this.firstToken = Timer.builder("codeact.llm.time.to.first.token")
                .description("From sending a model call to its first content token").register(meters);
        this.promptTokens = Counter.builder("codeact.llm.tokens").tag("kind", "prompt")
                .description("Tokens the model servers reported (usage)").register(meters);
        this.completionTokens = Counter.builder("codeact.llm.tokens").tag("kind", "completion")
                .description("Tokens the model servers reported (usage)").register(meters);
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

    /** The reply's token budget of a call with these choices. */
    public int maxTokens(Sampling sampling) {
        return sampling.maxTokens() != null ? sampling.maxTokens() : config.maxTokens();
    }

    /** Why a client's choices are refused, or null when they are within the configured bounds. */
    public String refusal(Sampling sampling) {
        if (sampling.model() != null && !sampling.model().equals(config.model())
                && !config.allowedModels().orElse(List.of()).contains(sampling.model())) {
            return "model '" + sampling.model() + "' is not allowed here (codeact.llm.allowed-models)";
        }
        if (sampling.temperature() != null && (sampling.temperature() < 0 || sampling.temperature() > config.maxTemperature())) {
            return "temperature must be between 0 and " + config.maxTemperature();
        }
        if (sampling.maxTokens() != null && sampling.maxTokens() > config.maxTokensLimit()) {
            return "max_tokens must be at most " + config.maxTokensLimit();
        }
        if (sampling.topP() != null && (sampling.topP() <= 0 || sampling.topP() > 1)) {
            return "top_p must be in (0, 1]";
        }
        return null;
    }

    /**
     * Call on an event loop; the listener is called back on the same context. The call's span
     * (OpenTelemetry's GenAI conventions) is a child of the current one.
     */
    public LlmCall stream(List<ChatMessage> messages, Sampling sampling, LlmListener listener) {
        Span span = tracer.spanBuilder("chat " + (sampling.model() != null ? sampling.model() : config.model()))
                .setSpanKind(SpanKind.CLIENT).setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.request.model", sampling.model() != null ? sampling.model() : config.model()).startSpan();
        Call call = new Call(Buffer.buffer(requestBody(messages, sampling)), listener, span);
        call.totalTimer = vertx.setTimer(config.totalTimeout().toMillis(), t -> call.fail(ErrorCode.UPSTREAM_TIMEOUT,
                "the model did not finish within " + config.totalTimeout().toSeconds() + " s"));
        // One periodic check per call rather than a timer re-armed on every chunk.
        long idle = config.idleTimeout().toMillis();
        call.idleTimer = vertx.setPeriodic(Math.max(50, idle / 4), t -> {
            if (System.nanoTime() - call.lastByteAt > TimeUnit.MILLISECONDS.toNanos(idle)) {
                call.fail(ErrorCode.UPSTREAM_TIMEOUT, "no data from the model for " + config.idleTimeout().toSeconds() + " s");
            }
        });
        try (Scope current = span.makeCurrent()) {
            call.attempt();
        }
        return call;
    }

    private String requestBody(List<ChatMessage> messages, Sampling sampling) {
        ObjectNode body = WireJson.MAPPER.createObjectNode();
        body.put("model", sampling.model() != null ? sampling.model() : config.model());
        body.put("stream", true);
        if (config.includeUsage()) {
            body.putObject("stream_options").put("include_usage", true);
        }
        body.put("temperature", sampling.temperature() != null ? sampling.temperature() : config.temperature());
        body.put("max_tokens", sampling.maxTokens() != null ? sampling.maxTokens() : config.maxTokens());
        Double topP = sampling.topP() != null ? sampling.topP() : config.topP().orElse(null);
        if (topP != null) {
            body.put("top_p", topP);
        }
        ArrayNode stop = body.putArray("stop");
        config.stop().forEach(stop::add);
        ArrayNode list = body.putArray("messages");
        for (ChatMessage m : messages) {
            list.addObject().put("role", m.role()).put("content", m.content());
        }
        return body.toString();
    }

    private RequestOptions requestOptions() {
        String base = config.baseUrl().orElseThrow().replaceAll("/+$", "");
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(base + "/chat/completions")
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream");
        config.apiKey().filter(k -> !k.isBlank()).ifPresent(k -> options.putHeader("Authorization", "Bearer " + k));
        return options;
    }

    private final class Call implements LlmCall {
        private final Buffer body;
        private final LlmListener listener;
        private final Span span;
        private final SseParser sse = new SseParser(this::onEvent);
        private final long startedAt = System.nanoTime();
        private HttpClientRequest request;
        private long totalTimer;
        private long idleTimer;
        private long lastByteAt = System.nanoTime();
        private long retryTimer = -1;
        private int retries;
        private boolean done;
        private boolean sawToken;
        /** Deltas of the network read being parsed: they reach the listener as one (see onResponse). */
        private final StringBuilder deltas = new StringBuilder();
        private String finishReason;
        private Usage usage;

        Call(Buffer body, LlmListener listener, Span span) {
            this.body = body;
            this.listener = listener;
            this.span = span;
        }

        void attempt() {
            if (done) {
                return;
            }
            http.request(requestOptions())
                    .compose(r -> {
                        request = r;
                        if (done) {
                            r.reset();
                        }
                        return r.send(body);
                    })
                    .onSuccess(this::onResponse)
                    .onFailure(this::beforeResponse);
        }

        /**
         * No answer yet. A pooled connection the server closed or reset as it was reused
         * (keep-alive race, a server shedding connections) produced nothing: the call is sent
         * again at once, within the retry budget.
         */
        private void beforeResponse(Throwable error) {
            boolean dropped = error instanceof HttpClosedException
                    || error instanceof SocketException && String.valueOf(error.getMessage()).contains("reset");
            if (!done && dropped && retries < config.maxRetries()) {
                retries++;
                attempt();
                return;
            }
            onFailure(error);
        }

        @Override
        public void cancel() {
            if (!done) {
                done = true;
                close();
                span.setAttribute("codeact.cancelled", true).end();
            }
        }

        private void close() {
            stopTimers();
            if (request != null) {
                request.reset();
            }
        }

        private void stopTimers() {
            vertx.cancelTimer(totalTimer);
            vertx.cancelTimer(idleTimer);
            vertx.cancelTimer(retryTimer);
        }

        void onResponse(HttpClientResponse response) {
            if (done) {
                return;
            }
            int status = response.statusCode();
            if (status / 100 != 2) {
                response.body().onComplete(b -> onStatus(status, response.getHeader("Retry-After"),
                        b.succeeded() ? b.result() : null));
                return;
            }
            // A fast server puts many deltas in one read: relaying them as one delta makes one
            // event, one frame per client and one log entry of them instead of one per token.
            response.handler(chunk -> {
                lastByteAt = System.nanoTime();
                if (!done) {
                    sse.feed(chunk.getBytes());
                    relayDeltas();
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

        private void relayDeltas() {
            if (!done && !deltas.isEmpty()) {
                String text = deltas.toString();
                deltas.setLength(0);
                listener.onDelta(text);
            }
        }

        private void onStatus(int status, String retryAfter, Buffer errorBody) {
            if (done) {
                return;
            }
            boolean retriable = status == 429 || status >= 500;
            if (retriable && retries < config.maxRetries()) {
                long delay = backoff(retries++, retryAfter);
                lastByteAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay); // waiting is not stalling
                retryTimer = vertx.setTimer(delay, t -> attempt());
                return;
            }
            String tried = retriable && retries > 0 ? " (after " + retries + (retries == 1 ? " retry)" : " retries)") : "";
            fail(statusCode(status), "model server answered HTTP " + status + tried + snippet(errorBody));
        }

        /** Exponential with jitter, never shorter than Retry-After asks, never longer than retry-max. */
        private long backoff(int attempt, String retryAfter) {
            long exponential = config.retryBase().toMillis() << Math.min(attempt, 20);
            long jittered = (long) (exponential * (0.5 + ThreadLocalRandom.current().nextDouble() / 2));
            return Math.min(config.retryMax().toMillis(), Math.max(jittered, retryAfterMillis(retryAfter)));
        }

        void onFailure(Throwable error) {
            if (error instanceof TimeoutException) {
                fail(ErrorCode.UPSTREAM_TIMEOUT, "the model server did not answer in time: " + error.getMessage());
            } else if (error instanceof ConnectException) {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "cannot connect to the model server: " + error.getMessage());
            } else if (error instanceof UnknownHostException || error.getCause() instanceof UnknownHostException) {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "the model server's host name does not resolve: " + error.getMessage());
            } else if (error instanceof SSLException || error.getCause() instanceof SSLException) {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "TLS with the model server failed: " + error.getMessage());
            } else {
                fail(ErrorCode.UPSTREAM_UNAVAILABLE, "the model stream failed: " + error);
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
            CompletionChunk chunk;
            try {
                chunk = CompletionChunk.read(data);
            } catch (CompletionChunk.NotAnObject e) {
                fail(ErrorCode.UPSTREAM_PROTOCOL, "the model sent a chunk that is not a JSON object: " + abbreviate(data));
                return;
            } catch (IOException e) {
                fail(ErrorCode.UPSTREAM_PROTOCOL, "the model sent a chunk that is not JSON: " + abbreviate(data));
                return;
            }
            if (chunk.error() != null) {
                JsonNode err = chunk.error();
                fail(ErrorCode.UPSTREAM_PROTOCOL, "the model server reported an error: "
                        + abbreviate(err.hasNonNull("message") ? err.get("message").asText() : err.toString()));
                return;
            }
            if (chunk.usage() != null) {
                usage = chunk.usage();
            }
            if (chunk.content() != null && !chunk.content().isEmpty()) {
                if (!sawToken) {
                    sawToken = true;
                    firstToken.record(System.nanoTime() - startedAt, TimeUnit.NANOSECONDS);
                    span.addEvent("first token");
                }
                deltas.append(chunk.content());
            }
            if (chunk.finishReason() != null) {
                finishReason = chunk.finishReason();
            }
        }

        private void complete() {
            relayDeltas();
            if (!done) {
                done = true;
                // Not reset: after [DONE] the connection can go back to the pool.
                stopTimers();
                if (usage != null) {
                    promptTokens.increment(usage.promptTokens());
                    completionTokens.increment(usage.completionTokens());
                    span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens())
                            .setAttribute("gen_ai.usage.output_tokens", usage.completionTokens());
                }
                if (finishReason != null) {
                    span.setAttribute(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of(finishReason));
                }
                span.end();
                listener.onComplete(finishReason, usage);
            }
        }

        void fail(ErrorCode code, String message) {
            relayDeltas();
            if (!done) {
                done = true;
                close();
                meters.counter("codeact.llm.errors", "code", code.code()).increment();
                span.setStatus(StatusCode.ERROR, message).setAttribute("error.type", code.code()).end();
                listener.onError(code, message);
            }
        }
    }

    /** {@code Retry-After} is either seconds or an HTTP date; 0 when absent or unreadable. */
    static long retryAfterMillis(String header) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(header.strip())).toMillis();
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
            } catch (RuntimeException unreadable) {
                return 0;
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
