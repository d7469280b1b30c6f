package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One principal's use cannot take another's share: the sessions it stores, however it makes them,
 * and how often it starts work. Each test has principals of its own (the Redis of the in-process
 * tests is shared), so none sees another's sessions.
 */
@QuarkusTest
@TestProfile(FairSharesTest.SmallShares.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class FairSharesTest {

    static final int STORED = 3;
    /** Above the five runs gail needs in the kernels test: that one is about kernels, not about the rate. */
    static final int RUNS = 6;
    static final String GAIL = "gail-key-0005";
    static final String HANK = "hank-key-0006";

    public static class SmallShares implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codeact.auth.mode", "api-key",
                    "codeact.auth.api-keys", "carol:carol-key-0001,dave:dave-key-0002,erin:erin-key-0003,fred:fred-key-0004,"
                            + "gail:gail-key-0005,hank:hank-key-0006",
                    "codeact.limits.stored-sessions-per-principal", Integer.toString(STORED),
                    "codeact.limits.runs-per-minute", Integer.toString(RUNS),
                    "codeact.limits.kernels-per-principal", "2",
                    "codeact.worker.max-kernels", "3",
                    "codeact.worker.warm-pool", "1");
        }
    }

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    HttpResponse<String> post(URI uri, String key, String body) throws Exception {
        return HttpApi.send("POST", uri, body, Map.of("Authorization", "Bearer " + key, "Accept", "application/json"));
    }

    /** Sessions made over HTTP and over the WebSocket count alike; deleting one makes room; others are not affected. */
    @Test
    @Tag("abuse")
    void everyWayOfMakingASessionCounts() throws Exception {
        String carol = "carol-key-0001";
        String first = HttpApi.parse(post(sessions, carol, null).body()).get("id").asText();
        assertEquals(201, post(sessions, carol, null).statusCode());
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "") + "?access_token=" + carol)) {
            assertEquals("carol", ws.next("session", 60_000).get("principal").asText());
        }
        HttpResponse<String> refused = post(sessions, carol, null);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("too_many_sessions", HttpApi.parse(refused.body()).get("code").asText());
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "") + "?access_token=" + carol)) {
            JsonNode error = ws.next("error", 30_000);
            assertEquals("too_many_sessions", error.get("code").asText(), "the WebSocket way is refused alike");
        }
        assertEquals(201, post(sessions, "dave-key-0002", null).statusCode(), "another principal is not affected");
        HttpResponse<String> deleted = HttpApi.send("DELETE", URI.create(sessions + "/" + first), null,
                Map.of("Authorization", "Bearer " + carol));
        assertEquals(204, deleted.statusCode(), deleted.body());
        assertEquals(201, post(sessions, carol, null).statusCode(), "a deleted session makes room");
    }

    /** Past its rate a principal's executions and turns are refused with rate_limited; another's run at once. */
    @Test
    @Tag("abuse")
    void startsArePacedPerPrincipal() throws Exception {
        String erin = "erin-key-0003";
        String session = HttpApi.parse(post(sessions, erin, null).body()).get("id").asText();
        URI execute = URI.create(sessions + "/" + session + "/execute");
        for (int i = 0; i < RUNS; i++) {
            HttpResponse<String> ran = post(execute, erin, "{\"code\": \"print(" + i + ")\"}");
            assertEquals(200, ran.statusCode(), ran.body());
        }
        HttpResponse<String> paced = post(execute, erin, "{\"code\": \"print('more')\"}");
        assertEquals(429, paced.statusCode(), paced.body());
        assertEquals("rate_limited", HttpApi.parse(paced.body()).get("code").asText());
        assertEquals("1", paced.headers().firstValue("Retry-After").orElse(null));
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/" + session) + "?access_token=" + erin)) {
            ws.sendJson("type", "user_message", "text", "hello");
            JsonNode error = ws.next("error", 30_000);
            assertEquals("rate_limited", error.get("code").asText(), "a turn counts with the executions");
            assertEquals(1, error.get("retry_after").asInt());
        }
        String fred = "fred-key-0004";
        String other = HttpApi.parse(post(sessions, fred, null).body()).get("id").asText();
        HttpResponse<String> ran = post(URI.create(sessions + "/" + other + "/execute"), fred, "{\"code\": \"print('fred')\"}");
        assertEquals(200, ran.statusCode(), "another principal runs at once: " + ran.body());
        assertEquals("fred\n", HttpApi.parse(ran.body()).get("output").asText());
    }

    /**
     * gail fills her share (2 kernels) and the worker (3): her least recently used kernel gives way
     * to her third session, and, the worker being full, to hank's first, which runs at once. Her
     * sessions whose kernel went say so in their next observation, and why; the others kept theirs.
     */
    @Test
    @Tag("abuse")
    void onePrincipalFillingItsShareNeverStopsAnother() throws Exception {
        List<String> gail = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            gail.add(HttpApi.parse(post(sessions, GAIL, null).body()).get("id").asText());
            JsonNode ran = execute(gail.get(i), GAIL, "x = " + i);
            assertEquals("", ran.path("output").asText(), ran.toString());
        }
        awaitLost(gail.get(0)); // her third kernel took the place of her first, the one she used least recently
        JsonNode kept = execute(gail.get(2), GAIL, "print(x)");
        assertEquals("2\n", kept.get("output").asText(), "her latest session kept its state: " + kept);
        assertFalse(kept.get("restarted").asBoolean());

        String hank = HttpApi.parse(post(sessions, HANK, null).body()).get("id").asText();
        JsonNode first = execute(hank, HANK, "y = 'hank'\nprint(y)");
        assertEquals("hank\n", first.get("output").asText(), "another principal runs code at once: " + first);
        assertFalse(first.has("error") && !first.get("error").isNull(), first.toString());

        JsonNode lost = execute(gail.get(0), GAIL, "print('x' in dir())");
        assertTrue(lost.get("restarted").asBoolean(), lost.toString());
        assertEquals("False\n", lost.get("output").asText());
        String notice = lost.get("notice").asText();
        // Her share or the full worker: whichever took it first, the notice names the limit.
        assertTrue(notice.contains("stopped to make room") && (notice.contains("codeact.limits.kernels-per-principal")
                || notice.contains("codeact.worker.max-kernels")), notice);
        assertEquals("2", RedisCli.call(RealParts.redis.port(), "ZCARD", "codeact:principal:gail:kernels").strip(),
                "gail holds her share, no more");
        Tally.note("gail's kernels: 2 of 2 at most; her evicted session was told why (" + notice.length()
                + " characters); hank's code ran at once, without an error");
    }

    JsonNode execute(String session, String key, String code) throws Exception {
        HttpResponse<String> ran = post(URI.create(sessions + "/" + session + "/execute"), key,
                HttpApi.JSON.writeValueAsString(Map.of("code", code)));
        assertEquals(200, ran.statusCode(), ran.body());
        return HttpApi.parse(ran.body());
    }

    /** Until the worker stopped the session's kernel to make room (it says why in Redis, for the session's next kernel). */
    static void awaitLost(String session) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (RedisCli.call(RealParts.redis.port(), "EXISTS", "codeact:{" + session + "}:lost").strip().equals("0")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the kernel of " + session + " was not stopped");
            }
            Thread.sleep(50);
        }
    }
}
