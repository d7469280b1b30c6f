package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An action at the limits at once — almost 4 MiB of figures, a million characters of output, a
 * value of 900 000 — through every way out: the JSON and streaming executions and a turn's
 * observation on the WebSocket. All of it arrives whole, in order, and no event loop is blocked on
 * the way (decoding and encoding that much JSON is done on worker threads).
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class LargePayloadTest {

    static final int FIGURES = 4;
    static final int FIGURE_BYTES = 700_000;
    static final String CODE = """
            import base64, os
            class Figure:
                def _repr_png_(self):
                    return base64.b64encode(os.urandom(%d)).decode()
            for _ in range(%d):
                display(Figure())
            print('x' * 999000)
            'v' * 900000""".formatted(FIGURE_BYTES, FIGURES);

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    @Test
    @Tag("abuse")
    void theLargestResultArrivesWholeEveryWayWithoutBlockingAnEventLoop() throws Exception {
        Path logFile = Path.of("target", "quarkus-test.log");
        long logBefore = Files.size(logFile);
        String id = HttpApi.createSession(sessions);
        URI execute = URI.create(sessions + "/" + id + "/execute");
        String body = HttpApi.JSON.writeValueAsString(Map.of("code", CODE, "timeout_ms", 120_000));

        checkWhole(HttpApi.call("POST", execute, body).json(), "JSON execution");

        try (HttpApi.Stream stream = HttpApi.stream("POST", execute, body, Map.of("Accept", "text/event-stream"))) {
            List<HttpApi.Event> events = stream.until(e -> "result".equals(e.name()), 180_000);
            checkWhole(events.get(events.size() - 1).json(), "streaming execution");
        }

        RealParts.model.enqueue(Reply.of("<execute>\n" + CODE + "\n").chunk(200).delay(0), Reply.of("Done."));
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            ws.sendJson("type", "user_message", "text", "Make it big");
            List<JsonNode> turn = ws.untilTurnEnd(300_000);
            checkWhole(CodeActTurnTest.ofType(turn, "observation").get(0).get("result"), "turn observation");
            // The observation was written off the event loop; what came after it still comes after it.
            List<String> types = turn.stream().map(e -> e.get("type").asText()).toList();
            assertTrue(types.indexOf("observation") < types.lastIndexOf("token"), "the reply's tokens follow it: " + types);
            for (int i = 1; i < turn.size(); i++) {
                assertEquals(turn.get(i - 1).get("seq").asLong() + 1, turn.get(i).get("seq").asLong(), "in order, no gap: " + types);
            }
        }

        String logged = Files.readString(logFile).substring((int) logBefore);
        assertFalse(logged.contains("has been blocked"), "no event loop was blocked: " + logged.lines()
                .filter(l -> l.contains("blocked")).toList());
        Tally.note(FIGURES + " figures of " + FIGURE_BYTES + " bytes, 999 001 characters of output and a 900 002-character "
                + "value arrived whole by JSON, by stream and in a turn; no blocked event loop");
    }

    static void checkWhole(JsonNode result, String way) {
        assertFalse(result.path("truncated").asBoolean(), way + ": nothing cut");
        assertEquals(FIGURES, result.get("displays").size(), way + ": every figure");
        for (JsonNode display : result.get("displays")) {
            assertEquals((FIGURE_BYTES + 2) / 3 * 4, display.get("data").get("image/png").asText().length(), way);
        }
        String output = result.get("output").asText();
        assertEquals(999_001, output.length(), way + ": the whole output: " + output.replace("x".repeat(1000), ""));
        assertEquals(900_002, result.get("value").asText().length(), way + ": the whole value");
    }
}
