package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sessions API over plain HTTP against the real parts: sessions created there are the
 * WebSocket's sessions, listed with a title, read as JSON and followed as Server-Sent Events, and
 * deleted with every key; errors are RFC 9457 problem details with the protocol's codes.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class SessionsApiTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    URI at(String path) {
        return URI.create(sessions + path);
    }

    @Test
    void aSessionCreatedOverHttpIsListedWithTheTitleOfItsFirstMessage() throws Exception {
        String id = HttpApi.createSession(sessions);
        HttpApi.Reply got = HttpApi.call("GET", at("/" + id), null);
        JsonNode one = got.json();
        assertEquals(200, got.status(), got.body());
        assertEquals(id, one.get("id").asText());
        assertEquals(0, one.get("turns").asInt());
        assertTrue(one.get("created_at").asLong() > 0, one.toString());

        RealParts.model.enqueue(Reply.of("Hello there."));
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            ws.sendJson("type", "user_message", "text", "  Plot   sin(x)\nfrom 0 to 2π, please  ");
            ws.untilTurnEnd(30_000);
        }
        JsonNode listed = null;
        for (JsonNode s : HttpApi.call("GET", sessions, null).json()) {
            if (s.get("id").asText().equals(id)) {
                listed = s;
            }
        }
        assertNotNull(listed, "the session is in its owner's list");
        assertEquals("Plot sin(x) from 0 to 2π, please", listed.get("title").asText());
        assertEquals(1, listed.get("turns").asInt());
        assertTrue(listed.get("last_activity").asLong() >= one.get("created_at").asLong());

        String newer = HttpApi.createSession(sessions);
        assertEquals(newer, HttpApi.call("GET", at("?limit=1"), null).json().get(0).get("id").asText(), "latest activity first");
    }

    /** A rename is kept: the first message, which titles an unnamed chat, does not rename it again. */
    @Test
    void aRenamedSessionKeepsItsTitleAndABadTitleIsRefused() throws Exception {
        String id = HttpApi.createSession(sessions);
        HttpApi.Reply renamed = HttpApi.call("PATCH", at("/" + id), "{\"title\": \"  Fibonacci,\\n three   ways \"}");
        assertEquals(200, renamed.status(), renamed.body());
        assertEquals("Fibonacci, three ways", renamed.json().get("title").asText());
        RealParts.model.enqueue(Reply.of("Sure."));
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            ws.sendJson("type", "user_message", "text", "Compute fib(30)");
            ws.untilTurnEnd(30_000);
        }
        assertEquals("Fibonacci, three ways", HttpApi.call("GET", at("/" + id), null).json().get("title").asText());
        for (String bad : new String[] {"{\"title\": \"   \"}", "{\"title\": \"" + "x".repeat(81) + "\"}", "{}"}) {
            HttpApi.Reply refused = HttpApi.call("PATCH", at("/" + id), bad);
            assertEquals(400, refused.status(), bad + ": " + refused.body());
            assertEquals("invalid_event", refused.json().get("code").asText());
        }
        HttpApi.Reply missing = HttpApi.call("PATCH", at("/no-such-session"), "{\"title\": \"x\"}");
        assertEquals("session_not_found", missing.json().get("code").asText(), missing.body());
    }

    @Test
    void storedEventsComeAsJsonAndLiveOnesFollowAsServerSentEvents() throws Exception {
        String id = HttpApi.createSession(sessions);
        try (HttpApi.Stream stream = HttpApi.stream("GET", at("/" + id + "/events"), null, Map.of())) {
            assertEquals(200, stream.status);
            assertTrue(stream.type.startsWith("text/event-stream"), stream.type);
            HttpApi.Event first = stream.next(10_000);
            assertEquals("session", first.json().get("type").asText());
            assertEquals("1", first.id(), "each event's id is its seq");

            RealParts.model.enqueue(Reply.of("<execute>\nprint(6 * 7)\n"), Reply.of("It is 42."));
            try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
                ws.sendJson("type", "user_message", "text", "six times seven?");
                ws.untilTurnEnd(30_000);
            }
            List<HttpApi.Event> live = stream.until(e -> e.json().get("type").asText().equals("turn_end"), 30_000);
            List<String> types = live.stream().map(e -> e.json().get("type").asText()).toList();
            assertTrue(types.containsAll(List.of("turn_start", "action", "observation", "turn_end")), types.toString());
            long seq = 1;
            for (HttpApi.Event e : live) {
                assertEquals(++seq, Long.parseLong(e.id()), "in order, none skipped or repeated: " + types);
            }
        }

        JsonNode stored = HttpApi.call("GET", at("/" + id + "/events?after=1&limit=2"), null).json();
        assertEquals(2, stored.size());
        assertEquals(2, stored.get(0).get("seq").asLong());
        assertEquals("turn_start", stored.get(0).get("type").asText());

        try (HttpApi.Stream resumed = HttpApi.stream("GET", at("/" + id + "/events"), null, Map.of("Last-Event-ID", "3"))) {
            assertEquals("4", resumed.next(10_000).id(), "a reconnecting EventSource resumes after its Last-Event-ID");
        }
    }

    @Test
    void deletingASessionClosesItsClientsAndRemovesEveryKey() throws Exception {
        String id = HttpApi.createSession(sessions);
        RealParts.model.enqueue(Reply.of("<execute>\nx = 1\n"), Reply.of("Set."));
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + id))) {
            ws.sendJson("type", "user_message", "text", "set x");
            ws.untilTurnEnd(30_000);
            assertTrue(!keysOf(id).isEmpty(), "the session has keys in Redis");

            assertEquals(204, HttpApi.call("DELETE", at("/" + id), null).status());
            JsonNode closing = ws.next("error", 10_000);
            assertEquals("session_not_found", closing.get("code").asText());
        }
        assertEquals(List.of(), keysOf(id), "no key of the session is left");
        HttpApi.Reply gone = HttpApi.call("GET", at("/" + id), null);
        assertEquals(404, gone.status());
        for (JsonNode s : HttpApi.call("GET", sessions, null).json()) {
            assertTrue(!s.get("id").asText().equals(id), "no longer listed");
        }
    }

    @Test
    void errorsAreProblemDetailsWithTheProtocolsCodes() throws Exception {
        HttpApi.Reply missing = HttpApi.call("GET", at("/AAAAAAAAAAAAAAAAAAAAAA"), null);
        assertEquals(404, missing.status());
        assertTrue(missing.type().startsWith("application/problem+json"), missing.type());
        JsonNode problem = missing.json();
        assertEquals("session_not_found", problem.get("code").asText());
        assertEquals("urn:codeact:error:session_not_found", problem.get("type").asText());
        assertEquals(404, problem.get("status").asInt());
        assertEquals("/v1/sessions/AAAAAAAAAAAAAAAAAAAAAA", problem.get("instance").asText());

        assertEquals(404, HttpApi.call("GET", at("/not..an..id/events"), null).status(), "a malformed id is not looked up");
        HttpApi.Reply badLimit = HttpApi.call("GET", at("?limit=0"), null);
        assertEquals(400, badLimit.status());
        assertEquals("invalid_event", badLimit.json().get("code").asText());

        try (HttpApi.Stream refused = HttpApi.stream("GET", at("/AAAAAAAAAAAAAAAAAAAAAA/events"), null, Map.of())) {
            HttpApi.Event error = refused.next(10_000);
            assertEquals("error", error.name(), "an EventSource cannot read a status: the stream says why, as the WebSocket does");
            assertNull(error.id());
            assertEquals("session_not_found", error.json().get("code").asText());
            assertNull(refused.next(10_000), "and ends");
        }
    }

    @Test
    void anotherWebPageCannotUseTheApi() throws Exception {
        var fromPage = HttpApi.send("POST", sessions, null, Map.of("Origin", "http://evil.example"));
        assertEquals(403, fromPage.statusCode());
        assertEquals("forbidden_origin", HttpApi.JSON.readTree(fromPage.body()).get("code").asText());
        // A page of evil.example whose name now resolves to 127.0.0.1 sends its own name as Host.
        try (Socket socket = new Socket(sessions.getHost(), sessions.getPort())) {
            socket.getOutputStream().write(("GET /v1/sessions HTTP/1.1\r\nHost: evil.example:" + sessions.getPort()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String status = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().findFirst().orElse("");
            assertTrue(status.startsWith("HTTP/1.1 403"), "in local mode, a DNS name rebound to loopback is refused: " + status);
        }
        var own = HttpApi.send("GET", sessions, null, Map.of("Origin", "http://" + sessions.getHost() + ":" + sessions.getPort()));
        assertEquals(200, own.statusCode(), "the gateway's own page may");
    }

    @Test
    void theApiIsDescribedInOpenApi() throws Exception {
        HttpApi.Reply spec = HttpApi.call("GET", URI.create(sessions.resolve("/q/openapi") + "?format=json"), null);
        JsonNode paths = spec.json().get("paths");
        for (String path : List.of("/v1/sessions", "/v1/sessions/{id}", "/v1/sessions/{id}/events", "/v1/sessions/{id}/execute")) {
            assertNotNull(paths.get(path), path + " in " + paths.fieldNames());
        }
        JsonNode notFound = paths.get("/v1/sessions/{id}").get("get").get("responses").get("404").get("content");
        assertNotNull(notFound.get("application/problem+json"), notFound.toString());
        assertNull(paths.get("/v1/sessions").get("post").get("responses").get("200"), "creation answers 201");
    }

    List<String> keysOf(String id) throws Exception {
        List<String> keys = new ArrayList<>();
        for (String line : RedisCli.call(RealParts.redis.port(), "--scan", "--pattern", "*" + id + "*").split("\n")) {
            if (!line.isBlank()) {
                keys.add(line.strip());
            }
        }
        return keys;
    }
}
