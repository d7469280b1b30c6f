package dev.codeact.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.config.LlmConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.Usage;
import dev.codeact.it.ScriptedModel.Reply;
import dev.codeact.it.ScriptedModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The model client against a real HTTP server (the scripted model) and real network faults:
 * every fault ends the call with its stable code; 429/5xx before the first token are retried.
 */
class LlmClientFaultsTest {

    record Outcome(List<String> deltas, String finishReason, Usage usage, ErrorCode code, String message, long millis) {}

    static Vertx vertx;
    static ScriptedModel model;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        model = new ScriptedModel();
    }

    @AfterAll
    static void stop() {
        model.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void reset() {
        model.reset();
    }

    static LlmConfig config(String baseUrl, String... more) {
        Map<String, String> props = new HashMap<>(Map.of("codeact.llm.base-url", baseUrl,
                // Far above what a loaded machine takes to answer; the test of the idle timeout sets its own.
                "codeact.llm.retry-base", "50ms", "codeact.llm.idle-timeout", "120s", "codeact.llm.connect-timeout", "120s"));
        for (int i = 0; i < more.length; i += 2) {
            props.put(more[i], more[i + 1]);
        }
        // Quarkus' own converter: durations are written "5s" / "500ms" as in application.properties.
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(LlmConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 500)).build();
        return config.getConfigMapping(LlmConfig.class);
    }

    static Outcome call(LlmConfig config) throws Exception {
        LlmClient client = new LlmClient(config, vertx, new SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"));
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        List<String> deltas = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        vertx.runOnContext(v -> client.stream(List.of(new ChatMessage(ChatMessage.USER, "hi")), Sampling.DEFAULTS).subscribe().with(
                delta -> {
                    if (delta instanceof ModelDelta.Text text) {
                        deltas.add(text.text());
                    } else if (delta instanceof ModelDelta.End end) {
                        result.complete(new Outcome(deltas, end.finishReason(), end.usage(), null, null, ms(start)));
                    }
                },
                failure -> {
                    ModelCallException model = (ModelCallException) failure;
                    result.complete(new Outcome(deltas, null, null, model.code(), model.getMessage(), ms(start)));
                }));
        try {
            return result.get(300, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    static long ms(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void connectionRefused() throws Exception {
        Outcome o = call(config("http://127.0.0.1:" + closedPort() + "/v1"));
        assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, o.code());
        assertTrue(o.message().startsWith("cannot connect to the model server"), o.message());
    }

    @Test
    void dnsFailure() throws Exception {
        Outcome o = call(config("http://codeact-test.invalid:8000/v1"));
        assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, o.code());
        assertTrue(o.message().contains("does not resolve"), o.message());
    }

    @Test
    void tlsFailure() throws Exception {
        // https to a server that answers in plain HTTP, as a misconfigured proxy does: no TLS record.
        try (ServerSocket plain = new ServerSocket(0)) {
            Thread server = new Thread(() -> {
                try (var socket = plain.accept()) {
                    socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (Exception ignored) {
                    // the client went away first
                }
            });
            server.start();
            Outcome o = call(config("https://127.0.0.1:" + plain.getLocalPort() + "/v1"));
            assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, o.code(), o.message());
            assertTrue(o.message().startsWith("TLS with the model server failed"), o.message());
            server.join(5000);
        }
    }

    /**
     * A server that closes a connection without answering (as one closing an idle keep-alive
     * connection the client just reused): the call goes again at once, within the retry budget.
     */
    @Test
    void aConnectionClosedBeforeAnyAnswerIsRetried() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            Thread serving = new Thread(() -> {
                try {
                    try (var first = server.accept()) {
                        first.getInputStream().read(new byte[4096]); // the request arrives; no answer
                    }
                    try (var second = server.accept()) {
                        second.getInputStream().read(new byte[65536]);
                        second.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                + "Connection: close\r\n\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"again\"},"
                                + "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (Exception ignored) {
                    // the test fails on the outcome
                }
            });
            serving.start();
            Outcome o = call(config("http://127.0.0.1:" + server.getLocalPort() + "/v1"));
            assertNull(o.code(), o.message());
            assertEquals("again", String.join("", o.deltas()));
            serving.join(5000);
        }
        try (ServerSocket server = new ServerSocket(0)) {
            Thread closing = new Thread(() -> {
                try (var only = server.accept()) {
                    only.getInputStream().read(new byte[4096]);
                } catch (Exception ignored) {
                    // nothing to serve
                }
            });
            closing.start();
            Outcome o = call(config("http://127.0.0.1:" + server.getLocalPort() + "/v1", "codeact.llm.max-retries", "0"));
            assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, o.code(), "no retry left: " + o.message());
            closing.join(5000);
        }
    }

    @Test
    void unauthorizedAndForbiddenAreNotRetried() throws Exception {
        model.enqueue(Reply.status(401, null), Reply.status(403, null), Reply.of("never asked for"));
        Outcome first = call(config(model.baseUrl()));
        Outcome second = call(config(model.baseUrl()));
        assertEquals(ErrorCode.UPSTREAM_AUTH, first.code());
        assertTrue(first.message().contains("HTTP 401") && first.message().contains("scripted 401"), first.message());
        assertEquals(ErrorCode.UPSTREAM_AUTH, second.code());
        assertEquals(2, model.requests().size(), "one request each");
    }

    @Test
    void rateLimitedIsRetriedAfterRetryAfter() throws Exception {
        model.enqueue(Reply.status(429, "1"), Reply.of("fine now"));
        Outcome o = call(config(model.baseUrl()));
        assertNull(o.code(), o.message());
        assertEquals("fine now", String.join("", o.deltas()));
        assertTrue(o.millis() >= 1000, "waited for Retry-After: " + o.millis() + " ms");
        assertEquals(2, model.requests().size());
    }

    @Test
    void serverErrorsAreRetriedWithBackoffThenReported() throws Exception {
        model.enqueue(Reply.status(503, null), Reply.status(502, null), Reply.status(500, null), Reply.status(503, null));
        Outcome o = call(config(model.baseUrl()));
        assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, o.code());
        assertTrue(o.message().contains("HTTP 503 (after 3 retries)"), o.message());
        assertEquals(4, model.requests().size());
        // 50 ms base, doubling, jitter 50–100 %: at least 25 + 50 + 100 ms of waiting.
        assertTrue(o.millis() >= 175, o.millis() + " ms");

        model.reset();
        model.enqueue(Reply.status(429, null), Reply.status(429, null));
        Outcome limited = call(config(model.baseUrl(), "codeact.llm.max-retries", "1"));
        assertEquals(ErrorCode.UPSTREAM_RATE_LIMITED, limited.code());
    }

    @Test
    void aStalledStreamTimesOut() throws Exception {
        model.enqueue(Reply.of("one two three four").stallAfter(6));
        Outcome o = call(config(model.baseUrl(), "codeact.llm.idle-timeout", "1s"));
        assertEquals(ErrorCode.UPSTREAM_TIMEOUT, o.code());
        assertTrue(o.message().startsWith("no data from the model for 1 s"), o.message());
        assertEquals("one tw", String.join("", o.deltas()), "what came before the stall was relayed");
    }

    @Test
    void theTotalTimeoutBoundsASlowStream() throws Exception {
        model.enqueue(Reply.of("x".repeat(200)).chunk(1).delay(50));
        Outcome o = call(config(model.baseUrl(), "codeact.llm.total-timeout", "1s"));
        assertEquals(ErrorCode.UPSTREAM_TIMEOUT, o.code());
        assertTrue(o.message().contains("did not finish within 1 s"), o.message());
    }

    @Test
    void malformedChunksAndErrorObjectsAreProtocolErrors() throws Exception {
        model.enqueue(Reply.raw("data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\ndata: {oops\n\n".getBytes(StandardCharsets.UTF_8)),
                Reply.raw("data: {\"error\":{\"message\":\"This model's maximum context length is 4096 tokens\"}}\n\n"
                        .getBytes(StandardCharsets.UTF_8)));
        Outcome bad = call(config(model.baseUrl()));
        assertEquals(ErrorCode.UPSTREAM_PROTOCOL, bad.code());
        assertTrue(bad.message().contains("not JSON: {oops"), bad.message());
        Outcome error = call(config(model.baseUrl()));
        assertEquals(ErrorCode.UPSTREAM_PROTOCOL, error.code());
        assertTrue(error.message().contains("maximum context length"), error.message());
    }

    @Test
    void retryAfterAcceptsSecondsAndHttpDates() {
        assertEquals(2000, UpstreamErrors.retryAfterMillis("2"));
        assertEquals(0, UpstreamErrors.retryAfterMillis("soon"));
        assertEquals(0, UpstreamErrors.retryAfterMillis(null));
        String inTenSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(10));
        long ms = UpstreamErrors.retryAfterMillis(inTenSeconds);
        assertTrue(ms > 8000 && ms <= 10000, ms + " ms");
    }
}
