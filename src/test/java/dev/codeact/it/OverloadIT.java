package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker with one running place and one waiting place (the one-process layout of bin/codeact),
 * filled by two sessions whose actions wait on a client tool the test answers when it chooses: so
 * the overload lasts exactly as long as the test wants, whatever the machine's speed. While it
 * lasts, new sessions, turns and executions are refused up front ({@code overloaded}, Retry-After
 * or {@code retry_after}), and the refused connection stays usable. Once released, both admitted
 * actions complete once each, and the refused turn is admitted.
 */
@ExtendWith(Tally.class)
class OverloadIT {

    /** A bound, not a margin: far above anything here, which waits on the test's own answers. */
    static final long WAIT_MS = 300_000;
    static final Map<String, Object> RELEASE_TOOL = Map.of("name", "release", "description", "Returns once the test says so.",
            "parameters", Map.of("type", "object", "properties", Map.of()));

    @Test
    @Tag("fault")
    void fullWorkersRefuseNewWorkUpFrontAndFinishWhatTheyAdmitted() throws Exception {
        try (RedisServer redis = RedisServer.start(); ScriptedModel model = new ScriptedModel()) {
            int port = RedisServer.freePort();
            try (AppProcess app = AppProcess.start("overload-app", Map.of(
                    "quarkus.redis.hosts", redis.url(),
                    "quarkus.http.port", Integer.toString(port),
                    "codeact.llm.base-url", model.baseUrl(),
                    "codeact.worker.run-dir", Path.of("target", "it-run").toAbsolutePath().toString(),
                    "codeact.worker.preload", "none",
                    "codeact.worker.concurrency", "1",
                    "codeact.worker.run-queue", "1",
                    "codeact.limits.sessions-per-principal", "1000"))) {
                app.awaitLog("reading", 60_000);
                URI sessions = URI.create("http://127.0.0.1:" + port + "/v1/sessions");
                try (WsClient c = WsClient.openSession(sessions);
                     WsClient a = WsClient.openSession(sessions);
                     WsClient b = WsClient.openSession(sessions)) {
                    String code = "<execute>\nprint('released', release())\n";
                    model.enqueue(ScriptedModel.Reply.of(code), ScriptedModel.Reply.of(code));
                    a.sendJson("type", "user_message", "text", "wait", "tools", List.of(RELEASE_TOOL));
                    JsonNode callA = a.next("tool_call", WAIT_MS); // A runs: the one running place
                    b.sendJson("type", "user_message", "text", "wait", "tools", List.of(RELEASE_TOOL));
                    b.next("action", WAIT_MS); // B's action waits: the one waiting place

                    HttpResponse<String> refused = firstRefusedSession(sessions);
                    JsonNode problem = HttpApi.parse(refused.body());
                    assertEquals("overloaded", problem.get("code").asText(), refused.body());
                    assertEquals("2", refused.headers().firstValue("Retry-After").orElse(null));

                    c.sendJson("type", "user_message", "text", "hello");
                    JsonNode error = c.next("error", WAIT_MS);
                    assertEquals("overloaded", error.get("code").asText(), error.toString());
                    assertEquals(0, error.get("seq").asLong(), "a refusal, outside the session's log");
                    assertEquals(2, error.get("retry_after").asInt());
                    c.sendJson("type", "ping", "id", "still-here");
                    assertEquals("still-here", c.next("pong", WAIT_MS).get("id").asText(), "the refused connection stays usable");

                    String cId = c.all().get(0).get("session").asText();
                    HttpApi.Reply execute = HttpApi.call("POST", URI.create(sessions + "/" + cId + "/execute"), "{\"code\": \"1\"}");
                    assertEquals(503, execute.status(), execute.body());
                    assertEquals("overloaded", execute.json().get("code").asText());

                    model.enqueue(ScriptedModel.Reply.of("done A"), ScriptedModel.Reply.of("done B"));
                    a.sendJson("type", "tool_result", "call_id", callA.get("call_id").asText(), "value", "A");
                    List<JsonNode> turnA = a.untilTurnEnd(WAIT_MS);
                    JsonNode callB = b.next("tool_call", WAIT_MS);
                    b.sendJson("type", "tool_result", "call_id", callB.get("call_id").asText(), "value", "B");
                    List<JsonNode> turnB = b.untilTurnEnd(WAIT_MS);
                    for (List<JsonNode> turn : List.of(turnA, turnB)) {
                        assertEquals("answer", last(turn).get("reason").asText(), turn.toString());
                        assertFalse(turn.stream().anyMatch(e -> "action_restarted".equals(e.path("type").asText())), turn.toString());
                    }
                    assertEquals("released A\n", output(turnA));
                    assertEquals("released B\n", output(turnB));

                    model.enqueue(ScriptedModel.Reply.of("hello to you"));
                    int refusals = 0;
                    List<JsonNode> turnC;
                    while (true) {
                        c.sendJson("type", "user_message", "text", "hello");
                        JsonNode first = c.next(e -> List.of("turn_start", "error").contains(e.path("type").asText()), WAIT_MS,
                                "turn_start or error");
                        if ("turn_start".equals(first.get("type").asText())) {
                            turnC = c.untilTurnEnd(WAIT_MS);
                            break;
                        }
                        assertEquals("overloaded", first.get("code").asText(), first.toString());
                        refusals++;
                        Thread.sleep(first.get("retry_after").asLong() * 1000);
                    }
                    assertEquals("answer", last(turnC).get("reason").asText(), turnC.toString());
                    Tally.note("refused while full: a new session (503, Retry-After 2), a turn (retry_after 2), an execution; "
                            + "admitted: 2 of 2 actions completed once; the refused turn admitted after " + refusals
                            + " more refusal(s) once the work was done");
                }
            }
        }
    }

    /**
     * Creates sessions until one is refused: the gateway looks at the workers' load every second,
     * so the first creations after the places filled may still be admitted (and cost the workers
     * nothing).
     */
    static HttpResponse<String> firstRefusedSession(URI sessions) throws Exception {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> created = HttpApi.send("POST", sessions, null, Map.of("Accept", "application/json"));
            if (created.statusCode() != 201) {
                assertEquals(503, created.statusCode(), created.body());
                return created;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no session creation was refused while every place was taken");
    }

    static JsonNode last(List<JsonNode> events) {
        return events.get(events.size() - 1);
    }

    static String output(List<JsonNode> events) {
        StringBuilder out = new StringBuilder();
        events.stream().filter(e -> "observation_chunk".equals(e.path("type").asText()))
                .forEach(e -> out.append(e.get("text").asText()));
        return out.toString();
    }
}
