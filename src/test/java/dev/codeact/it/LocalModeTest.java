package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
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
            assertEquals("local", ws.next("session", 60_000).get("principal").asText());
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
            assertEquals("local", own.next("session", 60_000).get("principal").asText(), "the gateway's own page");
        }
    }

    /**
     * One rule for WebSocket upgrades and HTTP requests, sent as a browser or a tool could: a Host
     * that is not loopback (a rebound DNS name), even with no Origin; two Origin headers; an Origin
     * with userinfo. Each is refused with 403; the same request done right is accepted.
     */
    @Test
    @Tag("abuse")
    void upgradesAndRequestsFollowOneRule() throws Exception {
        int port = sessions.getPort();
        String upgrade = "GET /v1/sessions HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        String get = "GET /v1/sessions HTTP/1.1\r\nAccept: application/json\r\n";
        String own = "Origin: http://127.0.0.1:" + port + "\r\n";
        for (String request : List.of(upgrade, get)) {
            assertEquals(403, status(port, request + "Host: rebound.example:" + port + "\r\n"), "a Host not loopback: " + request);
            assertEquals(403, status(port, request + "Host: 127.0.0.1:" + port + "\r\n" + own + own), "two Origin headers");
            assertEquals(403, status(port, request + "Host: 127.0.0.1:" + port + "\r\nOrigin: http://me@127.0.0.1:" + port + "\r\n"),
                    "an Origin with userinfo");
            int accepted = status(port, request + "Host: 127.0.0.1:" + port + "\r\n" + own);
            assertEquals(request.startsWith("GET /v1/sessions HTTP/1.1\r\nUpgrade") ? 101 : 200, accepted);
        }
    }

    /**
     * Local mode listens on loopback only (IPv4, and IPv6 relayed): an address of this machine that
     * is not loopback gets no connection at all, not even a refusal over HTTP.
     */
    @Test
    @Tag("abuse")
    void localModeListensOnLoopbackOnly() throws Exception {
        List<InetAddress> outside = NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress()).toList();
        Assumptions.assumeFalse(outside.isEmpty(), "this machine has no address but loopback");
        for (InetAddress address : outside) {
            try (Socket socket = new Socket()) {
                assertThrows(ConnectException.class, () -> socket.connect(new InetSocketAddress(address, sessions.getPort()), 5000),
                        "nothing listens on " + address);
            }
        }
        assertEquals(101, status(sessions.getPort(), "GET /v1/sessions HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nHost: localhost\r\n"),
                "while loopback is served");
    }

    /** The status code of one raw HTTP/1.1 request (headers as given, nothing added but the blank line). */
    static int status(int port, String head) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write((head + "\r\n").getBytes(StandardCharsets.US_ASCII));
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }
}
