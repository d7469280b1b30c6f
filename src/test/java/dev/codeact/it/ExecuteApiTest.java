package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code POST /v1/sessions/{id}/execute}: code runs in the session's sandboxed kernel without a
 * model, sharing its state with the session's chat actions; as JSON, or streamed as it runs.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class ExecuteApiTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    HttpApi.Reply execute(String id, String body) throws Exception {
        return HttpApi.call("POST", URI.create(sessions + "/" + id + "/execute"), body);
    }

    static String cell(String code) throws Exception {
        return HttpApi.JSON.writeValueAsString(Map.of("code", code));
    }

    @Test
    void codeRunsInTheSessionsKernelAndKeepsItsState() throws Exception {
        String id = HttpApi.createSession(sessions);
        HttpApi.Reply first = execute(id, cell("x = 41\nprint('set')"));
        assertEquals(200, first.status(), first.body());
        assertEquals("set\n", first.json().get("output").asText());
        JsonNode second = execute(id, cell("x + 1")).json();
        assertEquals("42", second.get("value").asText());
        assertEquals("runsc", second.get("sandbox").asText());

        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            List<JsonNode> obs = RealParts.runCode(ws, 30_000, "print(x * 2)");
            assertEquals("82\n", obs.get(0).get("result").get("output").asText(), "the chat's actions see the same variables");
        }
        JsonNode events = HttpApi.call("GET", URI.create(sessions + "/" + id + "/events"), null).json();
        for (JsonNode e : events) {
            assertTrue(!e.toString().contains("x = 41"), "executions are not part of the event log: " + e);
        }
    }

    @Test
    void outputStreamsWhileTheCodeRuns() throws Exception {
        String id = HttpApi.createSession(sessions);
        String code = "import time\nfor i in range(3):\n    print('tick', i, flush=True)\n    time.sleep(1.0)\n'done'";
        try (HttpApi.Stream stream = HttpApi.stream("POST", URI.create(sessions + "/" + id + "/execute"), cell(code), Map.of())) {
            assertEquals(200, stream.status);
            List<HttpApi.Event> events = stream.until(e -> e.name().equals("result"), 30_000);
            List<HttpApi.Event> outputs = events.stream().filter(e -> e.name().equals("output")).toList();
            assertTrue(outputs.size() >= 2, "output arrives while the code runs, not all at its end: " + events);
            assertEquals("stdout", outputs.get(0).json().get("stream").asText());
            String text = String.join("", outputs.stream().map(e -> e.json().get("text").asText()).toList());
            assertEquals("tick 0\ntick 1\ntick 2\n", text);
            assertEquals("'done'", events.get(events.size() - 1).json().get("value").asText());
        }
    }

    @Test
    void badRequestsAreProblems() throws Exception {
        String id = HttpApi.createSession(sessions);
        HttpApi.Reply noCode = execute(id, "{\"timeout_ms\": 1000}");
        assertEquals(400, noCode.status());
        assertEquals("invalid_event", noCode.json().get("code").asText());
        HttpApi.Reply tooLong = execute(id, "{\"code\": \"1\", \"timeout_ms\": 99999999999}");
        assertEquals(400, tooLong.status());
        assertTrue(tooLong.json().get("detail").asText().contains("max-action-timeout"));
        assertEquals(404, execute("AAAAAAAAAAAAAAAAAAAAAA", cell("1")).status());
        JsonNode timedOut = execute(id, "{\"code\": \"import time\\ntime.sleep(30)\", \"timeout_ms\": 500}").json();
        assertTrue(timedOut.get("timed_out").asBoolean(), timedOut.toString());
        assertEquals("2", execute(id, cell("1 + 1")).json().get("value").asText(), "the kernel is usable after a timeout");
    }
}
