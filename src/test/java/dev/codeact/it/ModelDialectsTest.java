package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whole turns against the stream shapes of vLLM, llama.cpp's llama-server, Ollama and OpenAI
 * (fixtures in src/test/resources/sse/, replayed byte for byte in 7-byte writes), model faults
 * through the whole stack, per-session model options, and the Prometheus metrics of turns.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class ModelDialectsTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    WsClient open() throws InterruptedException {
        return WsClient.openSession(sessions);
    }

    List<JsonNode> turnWith(String fixture) throws Exception {
        RealParts.model.enqueue(Reply.raw(ScriptedModel.fixture(fixture)), Reply.of("It is 42."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "6 * 7?");
            List<JsonNode> events = ws.untilTurnEnd(30_000);
            String tokens = CodeActTurnTest.text(events, "token", "text");
            assertTrue(tokens.startsWith("Let me compute it.\n<execute>\nprint(6 * 7)\n"), fixture + ": " + tokens);
            assertEquals("print(6 * 7)", CodeActTurnTest.ofType(events, "action").get(0).get("code").asText(), fixture);
            assertEquals("42", CodeActTurnTest.ofType(events, "observation").get(0).get("text").asText(), fixture);
            assertEquals("answer", events.get(events.size() - 1).get("reason").asText(), fixture);
            JsonNode request = RealParts.model.requests().get(0);
            assertTrue(request.get("stream_options").get("include_usage").asBoolean());
            return events;
        }
    }

    static void assertUsage(List<JsonNode> events) {
        JsonNode usage = events.get(events.size() - 1).get("usage");
        assertEquals(412, usage.get("prompt_tokens").asLong());
        assertEquals(13, usage.get("completion_tokens").asLong());
    }

    @Test
    void vllm() throws Exception {
        assertUsage(turnWith("vllm.txt"));
    }

    @Test
    void llamaCpp() throws Exception {
        assertUsage(turnWith("llamacpp.txt"));
    }

    @Test
    void ollama() throws Exception {
        assertUsage(turnWith("ollama.txt"));
    }

    @Test
    void openai() throws Exception {
        assertUsage(turnWith("openai.txt"));
    }

    @Test
    void crlfCommentsMultiLineDataAndAStopWithoutDone() throws Exception {
        List<JsonNode> events = turnWith("edge-crlf-stop-no-done.txt");
        assertNull(events.get(events.size() - 1).get("usage"), "no usage reported, none invented");
    }

    /** A stream that just closes inside an action (no finish_reason, no [DONE]): the code may be cut, so it does not run. */
    @Test
    void aStreamThatJustClosesInsideAnActionRunsNothing() throws Exception {
        RealParts.model.enqueue(Reply.raw(ScriptedModel.fixture("edge-crlf-no-done.txt")));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "6 * 7?");
            List<JsonNode> events = ws.untilTurnEnd(30_000);
            assertTrue(CodeActTurnTest.text(events, "token", "text").endsWith("<execute>\nprint(6 * 7)\n"));
            assertTrue(CodeActTurnTest.ofType(events, "action").isEmpty(), "no action was cut out of it");
            assertEquals("upstream_protocol", CodeActTurnTest.ofType(events, "error").get(0).get("code").asText());
            assertEquals("error", events.get(events.size() - 1).get("reason").asText());
        }
    }

    @Test
    void aServerThatIgnoresStopIsCutAtTheClosingTag() throws Exception {
        String action = "<execute>print('cut')</execute>";
        RealParts.model.enqueue(Reply.of(action + " and then it keeps talking").hangAfter(action.length() + 3),
                Reply.of("Done."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "go");
            List<JsonNode> events = ws.untilTurnEnd(30_000);
            assertEquals(action + "Done.", CodeActTurnTest.text(events, "token", "text"), "nothing after </execute>");
            assertTrue(RealParts.model.awaitClosedByClient(5000) != null, "the upstream stream was closed at the tag");
        }
    }

    @Test
    void codeCutByMaxTokensIsNotRun() throws Exception {
        String cut = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sure.<execute>\\nfor i in range(10):\\n    pri\"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n";
        RealParts.model.enqueue(Reply.raw(cut.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "loop");
            List<JsonNode> events = ws.untilTurnEnd(30_000);
            assertTrue(CodeActTurnTest.ofType(events, "action").isEmpty(), "no action event, nothing queued");
            assertEquals("reply_too_long", CodeActTurnTest.ofType(events, "error").get(0).get("code").asText());
            assertEquals("error", events.get(events.size() - 1).get("reason").asText());
        }
    }

    @Test
    void aModelFaultEndsTheTurnWithItsCodeAndTheSessionGoesOn() throws Exception {
        RealParts.model.enqueue(Reply.status(401, null), Reply.of("Hello again."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "hi");
            List<JsonNode> events = ws.untilTurnEnd(30_000);
            JsonNode error = CodeActTurnTest.ofType(events, "error").get(0);
            assertEquals("upstream_auth", error.get("code").asText());
            assertEquals(1, error.get("turn").asInt());
            assertEquals("error", events.get(events.size() - 1).get("reason").asText());
            ws.sendJson("type", "user_message", "text", "hi?");
            List<JsonNode> next = ws.untilTurnEnd(30_000);
            assertEquals("answer", next.get(next.size() - 1).get("reason").asText());
            // Two user messages in a row reach the model merged: chat templates need alternating roles.
            JsonNode messages = RealParts.model.requests().get(1).get("messages");
            assertEquals(2, messages.size());
            assertEquals("hi\n\nhi?", messages.get(1).get("content").asText());
        }
    }

    @Test
    void modelOptionsPerSessionWithinBounds() throws Exception {
        RealParts.model.enqueue(Reply.of("one"), Reply.of("two"));
        try (WsClient ws = open()) {
            ws.send("{\"type\":\"user_message\",\"text\":\"hot\",\"options\":{\"temperature\":5}}");
            assertEquals("invalid_event", ws.next("error", 5000).get("code").asText());
            ws.send("{\"type\":\"user_message\",\"text\":\"other\",\"options\":{\"model\":\"not-allowed\"}}");
            assertTrue(ws.next("error", 5000).get("message").asText().contains("not allowed"));
            ws.send("{\"type\":\"user_message\",\"text\":\"x\",\"options\":{\"colour\":\"red\"}}");
            assertEquals("invalid_event", ws.next("error", 5000).get("code").asText());

            ws.send("{\"type\":\"user_message\",\"text\":\"a\",\"options\":{\"temperature\":0.7,\"max_tokens\":64,\"top_p\":0.9}}");
            ws.untilTurnEnd(30_000);
            ws.sendJson("type", "user_message", "text", "b");
            ws.untilTurnEnd(30_000);
            for (JsonNode request : RealParts.model.requests()) {
                assertEquals(0.7, request.get("temperature").asDouble(), "options stay for the session");
                assertEquals(64, request.get("max_tokens").asInt());
                assertEquals(0.9, request.get("top_p").asDouble());
            }
        }
    }

    @Test
    void turnsAndTokensAreMetrics() throws Exception {
        turnWith("vllm.txt");
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String metric : List.of("codeact_llm_tokens_total{kind=\"prompt\"}", "codeact_llm_tokens_total{kind=\"completion\"}",
                "codeact_llm_time_to_first_token_seconds_count", "codeact_turn_duration_seconds_count{reason=\"answer\"}",
                "codeact_turn_actions_count")) {
            assertTrue(body.contains(metric), metric + " in /q/metrics");
        }
        assertFalse(body.contains("codeact_llm_tokens_total{kind=\"prompt\"} 0.0"));
    }
}
