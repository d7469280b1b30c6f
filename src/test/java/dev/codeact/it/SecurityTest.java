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
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** API keys, sessions bound to their principal, and the per-principal limits, over real WebSockets. */
@QuarkusTest
@TestProfile(SecurityTest.ApiKeys.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class SecurityTest {

    public static class ApiKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codeact.auth.mode", "api-key",
                    "codeact.auth.api-keys", "alice:alice-key-0123,bob:bob-key-4567",
                    "codeact.limits.sessions-per-principal", "3",
                    "codeact.limits.turns-per-principal", "1",
                    "codeact.limits.frames-per-second", "5",
                    "codeact.limits.connections-per-session", "2",
                    "codeact.worker.max-kernels", "1",
                    "codeact.session.max-log-bytes", "65536",
                    "codeact.auth.allowed-origins", "https://chat.example.com");
        }
    }

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @TestHTTPResource("/v1/info")
    URI info;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    String ws() {
        return WsClient.ws(sessions, "");
    }

    WsClient open(String key) throws InterruptedException {
        WsClient ws = WsClient.connect(ws() + "?access_token=" + key);
        JsonNode session = ws.next("session", 60_000);
        assertEquals(key.startsWith("alice") ? "alice" : "bob", session.get("principal").asText());
        return ws;
    }

    @Test
    void withoutAValidKeyNoWebSocketExists() throws Exception {
        assertEquals(401, WsClient.refusedUpgrade(ws(), Map.of()), "no credential: refused at the HTTP upgrade");
        assertEquals(401, WsClient.refusedUpgrade(ws() + "?access_token=alice-key-0124", Map.of()));
        assertEquals(401, WsClient.refusedUpgrade(ws() + "/AAAAAAAAAAAAAAAAAAAAAA", Map.of("Authorization", "Bearer nope")));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(info).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, refused.statusCode());
        assertEquals("Bearer", refused.headers().firstValue("WWW-Authenticate").orElse(""));
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(info).header("Authorization", "Bearer bob-key-4567").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
        String openapi = http.send(HttpRequest.newBuilder(info.resolve("/q/openapi?format=json")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(openapi.contains("\"securitySchemes\"") && openapi.contains("\"scheme\" : \"bearer\""), openapi);
    }

    /**
     * The page's policy is on every response of the page, its files and the API, whatever the
     * status: no path of it may be framed by another page, sniffed into another type, or load an
     * image from elsewhere.
     */
    @Test
    @Tag("abuse")
    void everyResponseCarriesThePagesPolicy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/", "/index.html", "/app.js", "/theme.js", "/style.css", "/favicon.svg", "/codeact-client.js", "/codeact-client.d.ts",
                "/v1/info", "/v1/sessions", "/q/health/ready", "/no-such-file.png")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(info.resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String policy = response.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(policy.contains("frame-ancestors 'none'") && policy.contains("img-src 'self' data: blob:")
                    && policy.contains("connect-src 'self'") && policy.contains("script-src 'self';"), path + ": " + policy);
            assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElse(""), path);
            if (response.statusCode() == 200) {
                // With nosniff, a file without a type is no use to a browser.
                assertTrue(response.headers().firstValue("Content-Type").isPresent(), path + " has a type");
            }
        }
        HttpResponse<String> types = http.send(HttpRequest.newBuilder(info.resolve("/codeact-client.d.ts")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, types.statusCode());
        assertEquals("application/typescript; charset=utf-8", types.headers().firstValue("Content-Type").orElse(""));
    }

    /** Cross-site WebSocket hijacking: another web page cannot open a session, even with a key. */
    @Test
    @Tag("abuse")
    void anotherWebPageCannotOpenASession() throws Exception {
        String host = "http://" + sessions.getHost() + ":" + sessions.getPort();
        assertEquals(403, WsClient.refusedUpgrade(ws() + "?access_token=bob-key-4567", Map.of("Origin", "http://evil.example")));
        assertEquals(403, WsClient.refusedUpgrade(ws() + "?access_token=bob-key-4567",
                Map.of("Origin", "http://" + sessions.getHost() + ":" + (sessions.getPort() + 1))), "another port is another page");
        try (WsClient own = WsClient.connect(ws() + "?access_token=bob-key-4567", Map.of("Origin", host))) {
            assertEquals("bob", own.next("session", 60_000).get("principal").asText(), "the gateway's own page");
        }
        try (WsClient listed = WsClient.connect(ws() + "?access_token=bob-key-4567", Map.of("Origin", "https://chat.example.com"))) {
            assertEquals("bob", listed.next("session", 60_000).get("principal").asText(), "a configured origin");
        }
    }

    @Test
    void anotherPrincipalsSessionCannotBeResumedReadOrCancelled() throws Exception {
        RealParts.model.enqueue(Reply.of("hello alice"));
        String id;
        try (WsClient alice = open("alice-key-0123")) {
            id = alice.all().get(0).get("session").asText();
            alice.sendJson("type", "user_message", "text", "hi");
            alice.untilTurnEnd(30_000);
        }
        for (String suffix : List.of("", "?last_seq=0")) {
            String sep = suffix.isEmpty() ? "?" : "&";
            try (WsClient bob = WsClient.connect(ws() + "/" + id + suffix + sep + "access_token=bob-key-4567")) {
                JsonNode error = bob.next("error", 5000);
                assertEquals("forbidden", error.get("code").asText());
                assertEquals(0, error.get("seq").asLong());
                Thread.sleep(300);
                assertEquals(1, bob.all().size(), "nothing of alice's session reached bob: " + bob.all());
                assertTrue(bob.closed());
            }
        }
        // The HTTP API and the event stream apply the same lookup: forbidden, and nothing of the session shows.
        Map<String, String> asBob = Map.of("Authorization", "Bearer bob-key-4567", "Accept", "application/json");
        for (String[] request : List.of(new String[] {"GET", ""}, new String[] {"GET", "/events"}, new String[] {"DELETE", ""})) {
            HttpResponse<String> refused = HttpApi.send(request[0], URI.create(sessions + "/" + id + request[1]), null, asBob);
            assertEquals(403, refused.statusCode(), request[0] + " " + request[1] + ": " + refused.body());
            assertEquals("forbidden", HttpApi.parse(refused.body()).get("code").asText());
            assertFalse(refused.body().contains("hello alice"));
        }
        try (HttpApi.Stream followed = HttpApi.stream("GET", URI.create(sessions + "/" + id + "/events"), null,
                Map.of("Authorization", "Bearer bob-key-4567"))) {
            HttpApi.Event error = followed.next(10_000);
            assertEquals("error", error.name());
            assertEquals("forbidden", error.json().get("code").asText());
            assertNull(followed.next(10_000), "and ends");
        }
        try (WsClient alice = WsClient.connect(ws() + "/" + id + "?last_seq=0&access_token=alice-key-0123")) {
            assertEquals("hello alice", CodeActTurnTest.text(alice.untilTurnEnd(5000), "token", "text"));
        }
    }

    @Test
    void limitsAnswerWithCodesAndKeepTheConnection() throws Exception {
        List<WsClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(open("bob-key-4567"));
            }
            try (WsClient fourth = WsClient.connect(ws() + "?access_token=bob-key-4567")) {
                assertEquals("too_many_sessions", fourth.next("error", 5000).get("code").asText());
            }
            try (WsClient alice = open("alice-key-0123")) {
                assertEquals("alice", alice.all().get(0).get("principal").asText(), "other principals are not affected");
            }

            // One turn at a time for bob: a second session's turn is refused while the first runs.
            RealParts.model.enqueue(Reply.of("a slow answer that takes its time").hangAfter(6), Reply.of("done"));
            held.get(0).sendJson("type", "user_message", "text", "slow");
            held.get(0).next("token", 10_000);
            held.get(1).sendJson("type", "user_message", "text", "meanwhile");
            assertEquals("too_many_turns", held.get(1).next("error", 5000).get("code").asText());
            held.get(0).sendJson("type", "cancel");
            held.get(0).next("turn_end", 10_000);
            held.get(1).sendJson("type", "user_message", "text", "now");
            assertEquals("answer", held.get(1).next("turn_end", 10_000).get("reason").asText());

            // A flood of frames: the excess is refused with rate_limited, the connection stays usable.
            WsClient flooded = held.get(2);
            for (int i = 0; i < 30; i++) {
                flooded.sendJson("type", "ping", "id", "p" + i);
            }
            flooded.next("error", 5000);
            Thread.sleep(1200);
            List<JsonNode> seen = flooded.all();
            long limited = seen.stream().filter(e -> "rate_limited".equals(e.path("code").asText())).count();
            long pongs = seen.stream().filter(e -> "pong".equals(e.path("type").asText())).count();
            assertTrue(limited >= 15 && pongs >= 10 && limited + pongs == 30, limited + " limited, " + pongs + " pongs");
            flooded.sendJson("type", "ping", "id", "after");
            assertEquals("after", flooded.next(e -> "after".equals(e.path("id").asText()), 5000, "pong").get("id").asText());

            // Those errors and pongs went to the flooding connection only: none is stored in the session.
            String floodedId = flooded.all().get(0).get("session").asText();
            try (WsClient replay = WsClient.connect(ws() + "/" + floodedId + "?last_seq=0&access_token=bob-key-4567")) {
                replay.next("session", 60_000);
                Thread.sleep(300);
                assertEquals(1, replay.all().size(), "only the session event is in the log: " + replay.all());
                // Two connections per session here: a third is refused, the others stay.
                try (WsClient third = WsClient.connect(ws() + "/" + floodedId + "?access_token=bob-key-4567")) {
                    assertEquals("too_many_connections", third.next("error", 5000).get("code").asText());
                }
            }

            // A session whose connections closed no longer counts: bob may open another at once.
            held.remove(2).close();
            Thread.sleep(300);
            held.add(open("bob-key-4567"));
        } finally {
            held.forEach(WsClient::close);
        }
    }

    /**
     * One kernel per worker here: an idle one gives way to another session's code; with the one kernel
     * busy, a session's code is refused (Overloaded), not started.
     */
    @Test
    @Tag("abuse")
    void kernelsPerWorkerAreCapped() throws Exception {
        RealParts.model.enqueue(Reply.of("<execute>\nx = 1\n"), Reply.of("done"));
        try (WsClient first = open("alice-key-0123")) {
            first.sendJson("type", "user_message", "text", "run");
            assertEquals("none", errorOf(first));
            // The one kernel is idle: a second session's action takes its place.
            RealParts.model.enqueue(Reply.of("<execute>\nwait_for_test()\n")); // its "done" comes after the first's turn
            try (WsClient second = open("bob-key-4567")) { // another principal: turns-per-principal is 1 here
                second.sendJson("type", "user_message", "text", "run", "tools", List.of(Map.of("name", "wait_for_test",
                        "description", "Returns when the test answers.", "parameters", Map.of("type", "object",
                                "properties", Map.of()))));
                JsonNode call = second.next("tool_call", 60_000);
                // Now the one kernel is busy: the first session's next action finds no room.
                RealParts.model.enqueue(Reply.of("<execute>\nprint(x)\n"), Reply.of("done"));
                first.sendJson("type", "user_message", "text", "again");
                assertEquals("Overloaded", errorOf(first));
                RealParts.model.enqueue(Reply.of("done"));
                second.sendJson("type", "tool_result", "call_id", call.get("call_id").asText(), "value", 1);
                assertEquals("none", errorOf(second));
            }
        }
    }

    /** The error name of the next turn's first observation ({@code none} without one). */
    static String errorOf(WsClient ws) throws InterruptedException {
        JsonNode result = CodeActTurnTest.ofType(ws.untilTurnEnd(60_000), "observation").get(0).get("result");
        return result.path("error").path("name").asText("none");
    }

    /** A session's stored log is bounded: the turn that reaches the limit stops, and no new one starts. */
    @Test
    @Tag("abuse")
    void aSessionsLogIsCapped() throws Exception {
        RealParts.model.enqueue(Reply.of("x".repeat(300_000)).chunk(1000).delay(1));
        try (WsClient ws = open("alice-key-0123")) {
            ws.sendJson("type", "user_message", "text", "talk a lot");
            List<JsonNode> events = ws.untilTurnEnd(30_000);
            assertEquals("error", events.get(events.size() - 1).get("reason").asText());
            assertEquals("session_full", events.get(events.size() - 2).get("code").asText());
            long relayed = CodeActTurnTest.text(events, "token", "text").length();
            // 64 KiB of logged events: the tokens plus their envelopes, and not one token event past the limit.
            assertTrue(relayed > 55_000 && relayed <= 65_536, "stopped at the limit: " + relayed + " characters");
            ws.sendJson("type", "user_message", "text", "more");
            assertEquals("session_full", ws.next("error", 5000).get("code").asText());
        }
    }
}
