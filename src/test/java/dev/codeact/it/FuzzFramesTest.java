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

    /** The fuzzer's frames are what is tested, not the rate limit; a turn it starts ends at once (no model there). */
    public static class NoRateLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codeact.limits.frames-per-second", "1000000",
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
                    ws.send(frame(random));
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

    static final String[] TYPES = {"user_message", "cancel", "resume", "ping", "", "USER_MESSAGE", "pong", "session",
        "__proto__", "ping\u0000"};
    static final String[] FIELDS = {"type", "text", "id", "last_seq", "options", "model", "temperature", "max_tokens",
        "top_p", "", "\u202e", "constructor"};

    static String frame(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> randomText(r, r.nextInt(200));
            case 1 -> "{".repeat(r.nextInt(3000)) + "}".repeat(r.nextInt(3000));
            case 2 -> "[".repeat(2000 + r.nextInt(2000)) + "]".repeat(2000);
            case 3 -> truncate(r, event(r));
            default -> event(r);
        };
    }

    static String event(Random r) {
        StringBuilder json = new StringBuilder("{");
        int fields = r.nextInt(5);
        json.append("\"type\":").append(r.nextInt(6) == 0 ? value(r, 0) : quote(TYPES[r.nextInt(TYPES.length)]));
        for (int i = 0; i < fields; i++) {
            json.append(',').append(quote(FIELDS[r.nextInt(FIELDS.length)])).append(':').append(value(r, 0));
        }
        return json.append('}').toString();
    }

    static String value(Random r, int depth) {
        return switch (depth > 3 ? r.nextInt(6) : r.nextInt(9)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> Long.toString(r.nextLong());
            case 3 -> r.nextBoolean() ? "1e309" : "-0.0000001e-400";
            case 4 -> "99999999999999999999999999999999";
            case 5 -> quote(randomText(r, r.nextInt(40)));
            case 6 -> "[" + value(r, depth + 1) + "," + value(r, depth + 1) + "]";
            case 7 -> "{\"temperature\":" + value(r, depth + 1) + ",\"model\":" + value(r, depth + 1) + "}";
            default -> quote("x".repeat(r.nextInt(3) == 0 ? 70_000 : r.nextInt(100)));
        };
    }

    static String randomText(Random r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int kind = r.nextInt(10);
            s.appendCodePoint(kind < 5 ? 32 + r.nextInt(95) : kind < 7 ? r.nextInt(32)
                    : kind < 9 ? 0x80 + r.nextInt(0x2000) : 0x1F600 + r.nextInt(80));
        }
        return s.toString();
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 32) {
                q.append(String.format("\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }

    /** Cut anywhere but inside a character (a text frame must be valid UTF-8). */
    static String truncate(Random r, String s) {
        int at = r.nextInt(Math.max(1, s.length()));
        return s.substring(0, at > 0 && Character.isHighSurrogate(s.charAt(at - 1)) ? at - 1 : at);
    }
}
