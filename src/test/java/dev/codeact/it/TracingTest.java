package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, one turn with one action is one trace: the turn, its model calls and the
 * action on the gateway, and the worker's job, kernel run and publishing, joined through the
 * traceparent the job carries over Redis.
 */
@QuarkusTest
@TestProfile(TracingTest.TracingOn.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class TracingTest {

    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "50ms",
                    "quarkus.otel.traces.sampler", "always_on");
        }
    }

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aTurnWithAnActionIsOneTraceAcrossGatewayAndWorker() throws Exception {
        RealParts.model.enqueue(Reply.of("<execute>\nprint(6 * 7)\n"), Reply.of("It is 42."));
        List<JsonNode> events = WsClient.turnInNewSession(sessions, "six times seven?");
        assertEquals("42", CodeActTurnTest.ofType(events, "observation").get(0).get("text").asText());

        Map<String, SpanData> byName = awaitSpans(List.of("codeact turn", "codeact action", "codeact action submit",
                "codeact job", "codeact kernel", "codeact publish"));
        SpanData turn = byName.get("codeact turn");
        SpanData action = byName.get("codeact action");
        for (SpanData span : byName.values()) {
            assertEquals(turn.getTraceId(), span.getTraceId(), span.getName() + " is in the turn's trace");
        }
        assertEquals(SpanId.getInvalid(), turn.getParentSpanId(), "the turn starts its trace");
        assertEquals(turn.getSpanId(), action.getParentSpanId());
        assertEquals(action.getSpanId(), byName.get("codeact action submit").getParentSpanId());
        assertEquals(action.getSpanId(), byName.get("codeact job").getParentSpanId(), "the worker's job joins over Redis");
        assertEquals(byName.get("codeact job").getSpanId(), byName.get("codeact kernel").getParentSpanId());
        assertEquals(byName.get("codeact job").getSpanId(), byName.get("codeact publish").getParentSpanId());
        assertEquals("ok", action.getAttributes().asMap().entrySet().stream()
                .filter(e -> e.getKey().getKey().equals("codeact.action.outcome")).findFirst().orElseThrow().getValue());
        List<SpanData> modelCalls = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().startsWith("chat ") && s.getTraceId().equals(turn.getTraceId())).toList();
        assertEquals(2, modelCalls.size(), "two model calls: " + modelCalls);
        assertTrue(modelCalls.stream().allMatch(s -> s.getParentSpanId().equals(turn.getSpanId())));
        assertTrue(turn.getAttributes().asMap().values().stream().noneMatch(v -> String.valueOf(v).equals(
                events.get(0).get("session").asText())), "the session id itself is not in the spans");
    }

    private Map<String, SpanData> awaitSpans(List<String> names) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            Map<String, SpanData> found = spans.getFinishedSpanItems().stream().filter(s -> names.contains(s.getName()))
                    .collect(Collectors.toMap(SpanData::getName, Function.identity(), (a, b) -> a));
            if (found.keySet().containsAll(names)) {
                return found;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("spans missing; have " + spans.getFinishedSpanItems());
    }
}
