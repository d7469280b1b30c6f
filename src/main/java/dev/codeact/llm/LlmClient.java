package dev.codeact.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.config.LlmConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Streams chat completions from an OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI).
 * Built on Vert.x's HTTP client (the layer under the WebClient) because a completion must be read
 * chunk by chunk and closed mid-stream on cancel, which the WebClient's buffered responses do not
 * offer. A 429 or 5xx before the first token is retried with exponential backoff and jitter,
 * honouring {@code Retry-After}; everything else ends the call with a stable error code.
 */
@ApplicationScoped
public class LlmClient implements ModelClient {

    /** The time-to-first-token timer. */
    public static final String FIRST_TOKEN = "codeact.llm.time.to.first.token";

    private final LlmConfig config;
    private final Vertx vertx;
    private final HttpClient http;
    private final Timer firstToken;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final MeterRegistry meters;
    private final Tracer tracer;
    private final ChatRequests requests;

    public LlmClient(LlmConfig config, Vertx vertx, MeterRegistry meters, Tracer tracer) {
        this.config = config;
        this.requests = new ChatRequests(config);
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
        this.firstToken = Timer.builder(FIRST_TOKEN)
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

    @Override
    public boolean configured() {
        return config.baseUrl().filter(u -> !u.isBlank()).isPresent();
    }

    @Override
    public String model() {
        return config.model();
    }

    /** The reply's token budget of a call with these choices. */
    @Override
    public int maxTokens(Sampling sampling) {
        return requests.maxTokens(sampling);
    }

    /** Why a client's choices are refused, or null when they are within the configured bounds. */
    @Override
    public String refusal(Sampling sampling) {
        return requests.refusal(sampling);
    }

    /**
     * The reply, as it streams: {@link ModelDelta.Text}s, then one {@link ModelDelta.End}; a
     * failure is a {@link ModelCallException}. Subscribe on an event loop: items come on the same
     * context. Cancelling the subscription closes the upstream connection at once. The call's span
     * (OpenTelemetry's GenAI conventions) is a child of the span current at subscription.
     */
    @Override
    public Multi<ModelDelta> stream(List<ChatMessage> messages, Sampling sampling) {
        return Multi.createFrom().emitter(emitter -> {
            String model = requests.model(sampling);
            Span span = tracer.spanBuilder("chat " + model).setSpanKind(SpanKind.CLIENT)
                    .setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.request.model", model).startSpan();
            Call call = new Call(Buffer.buffer(requests.body(messages, sampling)), emitter, span);
            emitter.onTermination(call::cancel);
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
        });
    }

    /** One model call: its connection, retries, timers and decoding, ended once (done). */
    private final class Call {
        private final Buffer body;
        private final MultiEmitter<? super ModelDelta> emitter;
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
        /** Deltas of the network read being parsed: they are emitted as one (see onResponse). */
        private final StringBuilder deltas = new StringBuilder();
        private String finishReason;
        private Usage usage;

        Call(Buffer body, MultiEmitter<? super ModelDelta> emitter, Span span) {
            this.body = body;
            this.emitter = emitter;
            this.span = span;
        }

        void attempt() {
            if (done) {
                return;
            }
            http.request(requests.options())
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

        /** The subscriber went away (or the call ended): nothing more is emitted. Idempotent. */
        void cancel() {
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
                emitter.emit(new ModelDelta.Text(text));
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
            fail(UpstreamErrors.forStatus(status), "model server answered HTTP " + status + tried + UpstreamErrors.snippet(errorBody));
        }

        /** Exponential with jitter, never shorter than Retry-After asks, never longer than retry-max. */
        private long backoff(int attempt, String retryAfter) {
            long exponential = config.retryBase().toMillis() << Math.min(attempt, 20);
            long jittered = (long) (exponential * (0.5 + ThreadLocalRandom.current().nextDouble() / 2));
            return Math.min(config.retryMax().toMillis(), Math.max(jittered, UpstreamErrors.retryAfterMillis(retryAfter)));
        }

        void onFailure(Throwable error) {
            fail(UpstreamErrors.forFailure(error));
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
                fail(ErrorCode.UPSTREAM_PROTOCOL, "the model sent a chunk that is not a JSON object: " + UpstreamErrors.abbreviate(data));
                return;
            } catch (IOException e) {
                fail(ErrorCode.UPSTREAM_PROTOCOL, "the model sent a chunk that is not JSON: " + UpstreamErrors.abbreviate(data));
                return;
            }
            if (chunk.error() != null) {
                JsonNode err = chunk.error();
                fail(ErrorCode.UPSTREAM_PROTOCOL, "the model server reported an error: "
                        + UpstreamErrors.abbreviate(err.hasNonNull("message") ? err.get("message").asText() : err.toString()));
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
                emitter.emit(new ModelDelta.End(finishReason, usage));
                emitter.complete();
            }
        }

        void fail(ErrorCode code, String message) {
            fail(new ModelCallException(code, message));
        }

        void fail(ModelCallException failure) {
            relayDeltas();
            if (!done) {
                done = true;
                close();
                meters.counter("codeact.llm.errors", "code", failure.code().code()).increment();
                span.setStatus(StatusCode.ERROR, failure.getMessage()).setAttribute("error.type", failure.code().code()).end();
                emitter.fail(failure);
            }
        }
    }
}
