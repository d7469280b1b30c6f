package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Frame sizes, with single unsplit frames (as browsers and Node send them): up to
 * {@code codeact.session.max-frame-bytes} a frame is read, above it the client gets
 * {@code frame_too_large} and the connection stays; only past the server's own limit (2 MiB) does
 * it close, with status 1009.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class FrameSizeTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @BeforeEach
    void freshScript() {
        RealParts.model.reset();
    }

    static JsonNode next(RawWebSocket ws) throws IOException {
        return JSON.readTree(ws.nextText());
    }

    /** The next text frame, or null once the server closed the connection (cleanly or not). */
    static String nextOrClosed(RawWebSocket ws) {
        try {
            return ws.nextText();
        } catch (IOException reset) {
            return null;
        }
    }

    static String userMessage(int textChars) {
        return "{\"type\":\"user_message\",\"text\":\"" + "x".repeat(textChars) + "\"}";
    }

    @Test
    @Tag("abuse")
    void aFrameOverTheLimitIsRefusedAndTheConnectionStays() throws Exception {
        RealParts.model.enqueue(Reply.of("read it"));
        try (RawWebSocket ws = new RawWebSocket(WsClient.ws(sessions, ""))) {
            assertEquals("session", next(ws).get("type").asText());
            ws.sendText(userMessage(200_000));
            JsonNode refused = next(ws);
            assertEquals("frame_too_large", refused.get("code").asText());
            assertEquals(0, refused.get("seq").asLong());

            ws.sendText(userMessage(65_000)); // just under the 64 KiB limit, in one frame
            JsonNode event;
            do {
                event = next(ws);
            } while (!"turn_end".equals(event.get("type").asText()));
            assertEquals("answer", event.get("reason").asText(), "a frame within the limit is read");
        }
    }

    @Test
    @Tag("abuse")
    void onlyPastTheServersOwnLimitDoesTheConnectionClose() throws Exception {
        try (RawWebSocket ws = new RawWebSocket(WsClient.ws(sessions, ""))) {
            next(ws);
            try {
                ws.sendText(userMessage(3 << 20));
            } catch (IOException closedWhileSending) {
                // the server may close as soon as it reads the frame's length, before all of it is sent
            }
            assertNull(nextOrClosed(ws), "closed (1009), without an error event");
        }
        try (WsClient after = WsClient.openSession(sessions)) {
            after.sendJson("type", "ping", "id", "fine");
            assertEquals("fine", after.next("pong", 5000).get("id").asText(), "the gateway is unaffected");
        }
        String log = Files.readString(Path.of("target", "quarkus-test.log"));
        assertFalse(log.contains("CorruptedWebSocketFrameException"), "a client's fault is not logged as an error");
    }

    /** The same message in 64 KiB fragments: the same close (1009, message too big), as quietly. */
    @Test
    @Tag("abuse")
    void aFragmentedMessagePastTheServersLimitClosesAsQuietly() throws Exception {
        Path logFile = Path.of("target", "quarkus-test.log");
        long logBefore = Files.size(logFile);
        String session;
        try (RawWebSocket ws = new RawWebSocket(WsClient.ws(sessions, ""))) {
            session = next(ws).get("session").asText();
            try {
                ws.sendFragmented(userMessage(3 << 20), 64 << 10);
            } catch (IOException closedWhileSending) {
                // the server closes as soon as the message passes its limit, before all of it is sent
            }
            assertNull(nextOrClosed(ws));
            assertEquals(1009, ws.closeStatus(), "message too big: " + ws.closeReason());
        }
        try (WsClient after = WsClient.openSession(sessions)) {
            after.sendJson("type", "ping", "id", "fine");
            assertEquals("fine", after.next("pong", 5000).get("id").asText(), "the gateway is unaffected");
        }
        String logged = Files.readString(logFile).substring((int) logBefore);
        assertFalse(logged.contains(" ERROR "), "a client's fault is no error of the gateway: " + logged);
        assertFalse(logged.contains(session), "no session id is logged above DEBUG: " + logged);
    }
}
