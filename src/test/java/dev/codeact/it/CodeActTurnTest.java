package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Whole turns through the real parts: WebSocket client → gateway → scripted model over HTTP SSE →
 * Redis stream → worker → runsc sandbox → back.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class CodeActTurnTest {

    static final long TURN_MS = 30_000;

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    WsClient open() throws InterruptedException {
        WsClient ws = WsClient.openSession(sessions);
        assertEquals(1, ws.all().get(0).get("seq").asLong());
        return ws;
    }

    static String text(List<JsonNode> events, String type, String field) {
        return events.stream().filter(e -> type.equals(e.get("type").asText()))
                .map(e -> e.get(field).asText()).collect(Collectors.joining());
    }

    static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream().filter(e -> type.equals(e.get("type").asText())).toList();
    }

    /**
     * Session events (connection-only replies have seq 0) are numbered without gaps, except the
     * declared one of an events_lost event, which covers exactly the seqs it skips.
     */
    static void assertContiguous(List<JsonNode> all) {
        List<JsonNode> events = all.stream().filter(e -> e.get("seq").asLong() > 0).toList();
        for (int i = 1; i < events.size(); i++) {
            JsonNode e = events.get(i);
            long expected = events.get(i - 1).get("seq").asLong() + 1;
            if ("events_lost".equals(e.get("type").asText())) {
                assertEquals(expected, e.get("from").asLong(), "the lost range starts after the last event: " + e);
                expected = e.get("to").asLong() + 1;
            }
            assertEquals(expected, e.get("seq").asLong(), "seq must grow by one: " + e);
        }
    }

    @Test
    void twoActionsShareAVariableAndTheLoopEndsWithTheAnswer() throws Exception {
        RealParts.model.enqueue(
                // honours stop: the closing tag never comes
                Reply.of("Let me compute it.\n<execute>\nx = 21 * 2\n"),
                // ignores stop: sends the tag and keeps talking
                Reply.of("Now print it. <execute> print(x) </execute> SHOULD NOT BE SEEN"),
                Reply.of("The answer is 42."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "What is 21 * 2?");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            assertContiguous(events);

            List<JsonNode> actions = ofType(events, "action");
            assertEquals(2, actions.size(), events.toString());
            assertEquals("x = 21 * 2", actions.get(0).get("code").asText());
            assertEquals("print(x)", actions.get(1).get("code").asText());

            List<JsonNode> observations = ofType(events, "observation");
            assertEquals("[Code executed successfully with no output]", observations.get(0).get("text").asText());
            assertEquals("42", observations.get(1).get("text").asText());
            assertEquals("42\n", observations.get(1).get("result").get("output").asText());
            assertEquals("runsc", observations.get(1).get("result").get("sandbox").asText());

            String tokens = text(events, "token", "text");
            assertTrue(tokens.contains("<execute> print(x) </execute>"), tokens);
            assertFalse(tokens.contains("SHOULD NOT BE SEEN"), tokens);
            assertTrue(tokens.endsWith("The answer is 42."), tokens);
            assertTrue(ofType(events, "token").size() > 10, "tokens are relayed delta by delta");

            JsonNode end = events.get(events.size() - 1);
            assertEquals("answer", end.get("reason").asText());
            assertEquals(2, end.get("actions").asInt());

            List<JsonNode> requests = RealParts.model.requests();
            assertEquals(3, requests.size());
            JsonNode first = requests.get(0);
            assertTrue(first.get("stream").asBoolean());
            assertEquals("</execute>", first.get("stop").get(0).asText());
            assertEquals("system", first.get("messages").get(0).get("role").asText());
            assertTrue(first.get("messages").get(0).get("content").asText().contains("<execute>"));
            JsonNode third = requests.get(2).get("messages");
            JsonNode lastUser = third.get(third.size() - 1);
            assertEquals("user", lastUser.get("role").asText());
            assertEquals("Execution Output:\n42", lastUser.get("content").asText());
            JsonNode assistant = third.get(third.size() - 2);
            assertEquals("Now print it. <execute> print(x) </execute>", assistant.get("content").asText());
            assertEquals("Let me compute it.\n<execute>\nx = 21 * 2\n</execute>", third.get(2).get("content").asText());
        }
    }

    @Test
    void aTracebackReachesTheModelAndTheClient() throws Exception {
        RealParts.model.enqueue(Reply.of("<execute>\ndef f():\n    return 1 / 0\nf()\n"), Reply.of("Division by zero."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "divide");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            JsonNode observation = ofType(events, "observation").get(0);
            JsonNode error = observation.get("result").get("error");
            assertEquals("ZeroDivisionError", error.get("name").asText());
            String traceback = error.get("traceback").asText();
            assertTrue(traceback.contains("----> 3 f()"), traceback);
            assertTrue(traceback.contains("----> 2     return 1 / 0"), traceback);
            assertFalse(traceback.contains("codeact-kernel"), "kernel frames are hidden: " + traceback);
            String sent = RealParts.model.requests().get(1).get("messages").get(3).get("content").asText();
            assertTrue(sent.startsWith("Execution Output:\n"), sent);
            assertTrue(sent.contains("ZeroDivisionError: division by zero"), sent);
        }
    }

    @Test
    void outputOfASlowLoopStreamsWhileItRuns() throws Exception {
        RealParts.model.enqueue(
                Reply.of("<execute>\nimport time\nfor i in range(4):\n    print('line', i)\n    time.sleep(0.4)\n</execute>"),
                Reply.of("Done."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "count slowly");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            List<JsonNode> chunks = ofType(events, "observation_chunk");
            assertTrue(chunks.size() >= 3, "one chunk per line, not one at the end: " + chunks);
            assertEquals("line 0\nline 1\nline 2\nline 3\n", text(chunks, "observation_chunk", "text"));
            assertEquals("stdout", chunks.get(0).get("stream").asText());
            // Arrival times: the first line is on the client long before the last one.
            List<JsonNode> all = ws.all();
            List<Long> at = ws.arrivals();
            long first = at.get(all.indexOf(chunks.get(0)));
            long last = at.get(all.indexOf(chunks.get(chunks.size() - 1)));
            assertTrue((last - first) / 1_000_000 >= 900, "chunks arrived " + (last - first) / 1_000_000 + " ms apart");
        }
    }

    @Test
    void tagsSplitAcrossDeltasAtEveryPosition() throws Exception {
        String reply = "Sure.<execute>print('split ok')</execute>";
        List<Reply> replies = new ArrayList<>();
        for (int chunk : new int[] {1, 2, 4, 7}) {
            replies.add(Reply.of(reply).chunk(chunk).delay(0));
            replies.add(Reply.of("ok"));
        }
        RealParts.model.enqueue(replies.toArray(Reply[]::new));
        try (WsClient ws = open()) {
            for (int i = 0; i < 4; i++) {
                ws.sendJson("type", "user_message", "text", "go " + i);
                List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
                assertEquals("print('split ok')", ofType(events, "action").get(0).get("code").asText());
                assertEquals("split ok", ofType(events, "observation").get(0).get("text").asText());
            }
        }
    }

    @Test
    void cancelMidStreamClosesTheUpstreamConnection() throws Exception {
        RealParts.model.enqueue(Reply.of("I am thinking about this for a very long time...").hangAfter(9), Reply.of("Hi again."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "think");
            ws.next("token", 10_000);
            ws.sendJson("type", "cancel");
            List<JsonNode> events = ws.untilTurnEnd(10_000);
            assertEquals("cancelled", events.get(events.size() - 1).get("reason").asText());
            assertNotNull(RealParts.model.awaitClosedByClient(5000), "the model server saw its connection closed");
            // The session goes on, and the model sees what it had said, marked as cut off.
            ws.sendJson("type", "user_message", "text", "hello");
            List<JsonNode> next = ws.untilTurnEnd(TURN_MS);
            assertEquals("answer", next.get(next.size() - 1).get("reason").asText());
            JsonNode messages = RealParts.model.requests().get(1).get("messages");
            assertEquals("assistant", messages.get(2).get("role").asText());
            assertTrue(messages.get(2).get("content").asText().endsWith(" [interrupted]"), messages.toString());
        }
    }

    @Test
    void cancelMidExecutionInterruptsAndKeepsState() throws Exception {
        RealParts.model.enqueue(
                Reply.of("<execute>\nimport time\ny = 7\nwhile True:\n    time.sleep(0.05)\n"),
                Reply.of("<execute>print(y * 6)</execute>"),
                Reply.of("42."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "loop forever");
            ws.next("action", TURN_MS);
            Thread.sleep(1000);
            ws.sendJson("type", "cancel");
            List<JsonNode> events = ws.untilTurnEnd(10_000);
            JsonNode observation = ofType(events, "observation").get(0);
            assertTrue(observation.get("result").get("cancelled").asBoolean(), observation.toString());
            assertEquals("KeyboardInterrupt", observation.get("result").get("error").get("name").asText());
            assertEquals("cancelled", events.get(events.size() - 1).get("reason").asText());

            ws.sendJson("type", "user_message", "text", "and now?");
            List<JsonNode> next = ws.untilTurnEnd(TURN_MS);
            assertEquals("42", ofType(next, "observation").get(0).get("text").asText());
        }
    }

    @Test
    void aResumeAfterADroppedConnectionLosesAndRepeatsNothing() throws Exception {
        RealParts.model.enqueue(
                Reply.of("Counting slowly now, one line at a time.<execute>\nimport time\nfor i in range(6):\n"
                        + "    print(i)\n    time.sleep(0.2)\n").delay(15),
                Reply.of("All six lines were printed, as requested.").delay(15));
        String id;
        List<JsonNode> before;
        try (WsClient first = open()) {
            id = first.all().get(0).get("session").asText();
            first.sendJson("type", "user_message", "text", "count");
            first.next("observation_chunk", TURN_MS);
            first.abort();
            before = first.all();
        }
        long lastSeen = before.get(before.size() - 1).get("seq").asLong();
        Thread.sleep(300); // events keep coming while nobody listens
        String base = WsClient.ws(sessions, "/" + id);
        List<JsonNode> after;
        try (WsClient second = WsClient.connect(base)) {
            second.sendJson("type", "resume", "last_seq", lastSeen);
            after = second.untilTurnEnd(TURN_MS);
        }
        assertEquals(lastSeen + 1, after.get(0).get("seq").asLong(), "resume starts right after the last seen event");
        List<JsonNode> joined = new ArrayList<>(before);
        joined.addAll(after);
        assertContiguous(joined);

        // A third client replays the whole log from Redis and memory: the same events, byte for byte.
        try (WsClient third = WsClient.connect(base + "?last_seq=0")) {
            List<JsonNode> replay = third.untilTurnEnd(TURN_MS);
            assertEquals(joined, replay);
        }
    }

    /**
     * A second client joins while tokens pour in, asking for everything from seq 1: the part older
     * than the replay buffer (512 events) comes from Redis, the rest from memory, then the live
     * stream: every event once, in order, the same as the first client saw.
     */
    @Test
    void aClientJoiningMidStreamFromTheStartGetsEveryEventOnceInOrder() throws Exception {
        RealParts.model.enqueue(Reply.of("abcdefghij".repeat(300)).chunk(1).delay(1));
        try (WsClient first = open()) {
            String id = first.all().get(0).get("session").asText();
            first.sendJson("type", "user_message", "text", "talk");
            first.next(e -> e.path("seq").asLong() >= 1200, TURN_MS, "the 1200th event");
            try (WsClient late = WsClient.connect(WsClient.ws(sessions, "/" + id + "?last_seq=0"))) {
                long joined = System.nanoTime();
                first.untilTurnEnd(TURN_MS);
                List<JsonNode> seen = late.untilTurnEnd(TURN_MS);
                List<Long> at = late.arrivals();
                assertTrue(at.get(at.size() - 1) - joined > 500_000_000L, "it joined while the stream was still running");
                assertEquals(first.all(), seen, "the joining client saw exactly what the first one saw");
                assertTrue(seen.size() > 3000);
            }
        }
    }

    @Test
    void badFramesGetStableErrorsAndTheSessionStaysUsable() throws Exception {
        RealParts.model.enqueue(Reply.of("slow answer that takes a while").delay(30), Reply.of("fine"));
        try (WsClient ws = open()) {
            ws.send("{not json");
            JsonNode badJson = ws.next("error", 5000);
            assertEquals("bad_json", badJson.get("code").asText());
            assertEquals(0, badJson.get("seq").asLong(), "an error about one frame is not a session event");
            ws.send("[1,2]");
            assertEquals("bad_json", ws.next("error", 5000).get("code").asText());
            ws.sendJson("type", "dance");
            assertEquals("unknown_type", ws.next("error", 5000).get("code").asText());
            ws.sendJson("kind", "user_message");
            assertEquals("invalid_event", ws.next("error", 5000).get("code").asText());
            ws.sendJson("type", "user_message", "text", "");
            assertEquals("invalid_event", ws.next("error", 5000).get("code").asText());
            ws.sendJson("type", "resume", "last_seq", -3);
            assertEquals("invalid_event", ws.next("error", 5000).get("code").asText());
            ws.sendJson("type", "user_message", "text", "x".repeat(70_000));
            assertEquals("frame_too_large", ws.next("error", 5000).get("code").asText());
            ws.sendJson("type", "cancel");
            assertEquals("no_turn", ws.next("error", 5000).get("code").asText());
            ws.sendBinary(new byte[] {1, 2, 3});
            assertEquals("invalid_event", ws.next("error", 5000).get("code").asText());

            ws.sendJson("type", "user_message", "text", "first");
            ws.next("token", 10_000);
            ws.sendJson("type", "user_message", "text", "second");
            assertEquals("turn_in_progress", ws.next("error", 5000).get("code").asText());
            ws.next("turn_end", TURN_MS);

            ws.sendJson("type", "ping", "id", "p1");
            JsonNode pong = ws.next("pong", 5000);
            assertEquals("p1", pong.get("id").asText());
            assertEquals(0, pong.get("seq").asLong(), "a pong answers one connection");
            ws.sendJson("type", "user_message", "text", "still there?");
            List<JsonNode> events = ws.untilTurnEnd(TURN_MS);
            assertEquals("answer", events.get(events.size() - 1).get("reason").asText());
            assertFalse(ws.closed());
            assertContiguous(ws.all());
        }
    }

    /**
     * Edit and resend, or regenerate: the message replaces the last turn's, the model is told the
     * history before that turn (the kernel keeps its state), and the next turn builds on the new one.
     */
    @Test
    void aMessageReplacingTheLastTurnIsAnsweredFromTheHistoryBeforeIt() throws Exception {
        RealParts.model.enqueue(Reply.of("Let me.\n<execute>\nx = 4\nprint(x)\n</execute>"), Reply.of("It is 4."),
                Reply.of("Nine."), Reply.of("Then ten."));
        try (WsClient ws = open()) {
            ws.sendJson("type", "user_message", "text", "cheap", "replace_last", true);
            JsonNode refused = ws.next("error", 5000);
            assertEquals("invalid_event", refused.get("code").asText(), "a new session has no turn to replace");
            ws.sendJson("type", "user_message", "text", "What is 2+2?");
            ws.untilTurnEnd(TURN_MS);
            ws.sendJson("type", "user_message", "text", "What is 3*3?", "replace_last", true);
            List<JsonNode> second = ws.untilTurnEnd(TURN_MS);
            JsonNode start = second.stream().filter(e -> e.get("type").asText().equals("turn_start")).findFirst().orElseThrow();
            assertEquals(2, start.get("turn").asInt());
            assertEquals(1, start.get("replaces").asInt());
            ws.sendJson("type", "user_message", "text", "And plus one?");
            ws.untilTurnEnd(TURN_MS);
            ws.sendJson("type", "user_message", "text", "print(x)?", "replace_last", "yes");
            assertEquals("invalid_event", ws.next("error", 5000).get("code").asText(), "replace_last is a boolean");
        }
        List<JsonNode> requests = RealParts.model.requests();
        assertEquals(4, requests.size());
        assertEquals(List.of("system:", "user:What is 3*3?"), roles(requests.get(2)), "the replaced turn is not in the history");
        assertEquals(List.of("system:", "user:What is 3*3?", "assistant:Nine.", "user:And plus one?"), roles(requests.get(3)));
    }

    /** Each message of a model request as role:content (the system prompt's content left out). */
    static List<String> roles(JsonNode request) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode m : request.get("messages")) {
            String role = m.get("role").asText();
            out.add(role + ":" + (role.equals("system") ? "" : m.get("content").asText()));
        }
        return out;
    }

    @Test
    void anUnknownSessionIsRefusedWithACode() throws Exception {
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "/AAAAAAAAAAAAAAAAAAAAAA"))) {
            JsonNode error = ws.next("error", 5000);
            assertEquals("session_not_found", error.get("code").asText());
            assertEquals(0, error.get("seq").asLong());
        }
    }
}
