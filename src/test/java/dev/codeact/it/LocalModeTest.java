package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The default local mode, over real sockets: every loopback client is local (Chromium opens
 * http://localhost over ::1), and only the gateway's own page may open a session from a browser.
 */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
@ExtendWith(Tally.class)
class LocalModeTest {

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @Test
    void ipv6LoopbackIsLocal() throws Exception {
        try (WsClient ws = WsClient.connect("ws://[::1]:" + sessions.getPort() + "/v1/sessions")) {
            assertEquals("local", ws.next("session", 5000).get("principal").asText());
        }
    }

    /** The reported attack: a page served from http://127.0.0.2:PORT opening the gateway's WebSocket. */
    @Test
    @Tag("abuse")
    void anotherLocalPageCannotOpenASession() throws Exception {
        String gateway = "ws://127.0.0.1:" + sessions.getPort() + "/v1/sessions";
        assertEquals(403, WsClient.refusedUpgrade(gateway, Map.of("Origin", "http://127.0.0.2:" + sessions.getPort())));
        assertEquals(403, WsClient.refusedUpgrade(gateway, Map.of("Origin", "http://localhost:3000")));
        try (WsClient own = WsClient.connect(gateway, Map.of("Origin", "http://127.0.0.1:" + sessions.getPort()))) {
            assertEquals("local", own.next("session", 5000).get("principal").asText(), "the gateway's own page");
        }
    }
}
