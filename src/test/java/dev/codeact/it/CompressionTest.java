package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway declines permessage-deflate, which browsers and Node offer on every connection:
 * with it each idle session kept about 85 KiB of zlib state (docs/performance.md), and a token's
 * frame is too small to gain from compression.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class CompressionTest {

    /** What Chromium sends. */
    static final String BROWSER_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @Test
    void aBrowsersDeflateOfferIsDeclinedAndEveryFrameIsPlainText() throws Exception {
        RealParts.model.reset();
        RealParts.model.enqueue(Reply.of("plain words, one frame each").chunk(3));
        try (RawWebSocket ws = new RawWebSocket(sessions.toString().replace("http", "ws"), 0, BROWSER_OFFER)) {
            assertNull(ws.header("Sec-WebSocket-Extensions"), "no extension is agreed");
            assertEquals("session", FrameSizeTest.next(ws).get("type").asText());
            ws.sendText("{\"type\":\"user_message\",\"text\":\"hi\"}");
            StringBuilder text = new StringBuilder();
            for (JsonNode e = FrameSizeTest.next(ws); !"turn_end".equals(e.get("type").asText()); e = FrameSizeTest.next(ws)) {
                if ("token".equals(e.get("type").asText())) {
                    text.append(e.get("text").asText());
                }
            }
            assertEquals("plain words, one frame each", text.toString());
        }
    }
}
