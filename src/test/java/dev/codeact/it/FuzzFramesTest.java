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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import dev.codeact.testing.FuzzedFrames;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 10 000 generated client frames (random text, broken and hostile JSON, wrong field types, deep
 * nesting, huge numbers, valid events with odd values, binary frames) from a fixed seed, so a
 * failure can be replayed: every one is answered or ignored, none closes the connection or logs an
 * error, and the session works afterwards.
 */
@QuarkusTest
@TestProfile(FuzzFramesTest.NoRateLimit.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class FuzzFramesTest {

    static final long SEED = 20261125L;
    static final int FRAMES = 10_000;
    static final Set<String> CODES = Set.of("bad_json", "invalid_event", "unknown_type", "frame_too_large", "no_turn",
            "turn_in_progress", "too_many_turns", "rate_limited", "upstream_unavailable");

    /**
     * The fuzzer's frames are what is tested, not the rate limit; a turn it starts ends at once (no
     * model there), so no code runs: the gateway alone, no worker and no sandbox.
     */
    public static class NoRateLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codeact.roles", "gateway", "codeact.limits.frames-per-second", "1000000",
                    "codeact.llm.base-url", "http://127.0.0.1:9/v1",
                    "codeact.llm.max-retries", "0");
        }
    }

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @Test
    @Tag("abuse")
    void tenThousandFuzzedFramesBreakNothing() throws Exception {
        Random random = new Random(SEED);
        try (WsClient ws = WsClient.openSession(sessions)) {
            for (int i = 0; i < FRAMES; i++) {
                if (random.nextInt(50) == 0) {
                    byte[] bytes = new byte[random.nextInt(64)];
                    random.nextBytes(bytes);
                    ws.sendBinary(bytes);
                } else {
                    ws.send(FuzzedFrames.frame(random));
                }
                if (i % 500 == 499) {
                    ws.sendJson("type", "ping", "id", "alive-" + i);
                    String id = "alive-" + i;
                    ws.next(e -> id.equals(e.path("id").asText()), 30_000, "pong " + id);
                    assertFalse(ws.closed(), "the connection survived frame " + i);
                }
            }
            List<JsonNode> replies = ws.all();
            for (JsonNode e : replies) {
                if ("error".equals(e.path("type").asText())) {
                    assertTrue(CODES.contains(e.path("code").asText()), "a known code: " + e);
                }
            }
            long errors = replies.stream().filter(e -> "error".equals(e.path("type").asText())).count();
            Tally.note(String.format("%d fuzzed frames (seed %d), %d answered with an error code", FRAMES, SEED, errors));
        }
        String log = Files.readString(Path.of("target", "quarkus-test.log"));
        assertFalse(log.contains("Unhandled error occurred"), "no client frame made the gateway fail");
        try (WsClient after = WsClient.openSession(sessions)) {
            after.sendJson("type", "ping", "id", "after");
            assertEquals("after", after.next("pong", 5000).get("id").asText());
        }
    }
}
