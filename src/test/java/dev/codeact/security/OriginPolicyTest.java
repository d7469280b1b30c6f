package dev.codeact.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

    @Test
    void localModeAcceptsOnlyTheGatewaysOwnPageOnALoopbackHost() {
        OriginPolicy local = new OriginPolicy(true, List.of());
        assertTrue(local.allows(null, "127.0.0.1:8080"), "not a browser page");
        assertTrue(local.allows("http://localhost:8080", "localhost:8080"));
        assertTrue(local.allows("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assertTrue(local.allows("http://[::1]:8080", "[::1]:8080"));
        assertTrue(local.allows("http://LOCALHOST:8080/", "localhost:8080"));
        assertFalse(local.allows("http://127.0.0.2:8080", "127.0.0.1:8080"), "the reported attack: another loopback page");
        assertFalse(local.allows("http://localhost:3000", "localhost:8080"), "another port is another page");
        assertFalse(local.allows("http://evil.example:8080", "evil.example:8080"), "a name rebound to 127.0.0.1");
        assertFalse(local.allows("null", "localhost:8080"), "file pages and sandboxed frames");
        assertFalse(local.allows("chrome-extension://abc", "localhost:8080"));
        assertFalse(local.allows("http://localhost:8080", null));
        assertFalse(local.allows("http://local host", "localhost:8080"));
    }

    @Test
    void otherModesAcceptTheOwnPageAndTheAllowList() {
        OriginPolicy keys = new OriginPolicy(false, List.of("https://chat.example.com", "http://localhost:5173/"));
        assertTrue(keys.allows("https://gw.example.com", "gw.example.com"), "own page, default port");
        assertTrue(keys.allows("https://gw.example.com:443", "gw.example.com"));
        assertTrue(keys.allows("https://chat.example.com", "gw.example.com"));
        assertTrue(keys.allows("http://localhost:5173", "gw.example.com"));
        assertFalse(keys.allows("https://evil.example", "gw.example.com"));
        assertFalse(keys.allows("https://chat.example.com.evil.example", "gw.example.com"));
        assertTrue(new OriginPolicy(false, List.of("*")).allows("https://anyone.example", "gw.example.com"));
    }

    /** One rule for HTTP requests and WebSocket upgrades, whatever the headers' shape. */
    @Test
    void oddHeadersAreRefused() {
        OriginPolicy local = new OriginPolicy(true, List.of());
        assertNull(local.refusal(List.of(), "localhost:8080"));
        assertNull(local.refusal(List.of("http://localhost:8080"), "localhost:8080"));
        assertNotNull(local.refusal(List.of(), "evil.example:8080"), "local mode: a host that is not loopback, even without a page");
        assertNotNull(local.refusal(List.of(), null));
        assertNotNull(local.refusal(List.of("http://localhost:8080", "http://localhost:8080"), "localhost:8080"), "two Origin headers");
        assertNotNull(local.refusal(List.of("http://user@localhost:8080"), "localhost:8080"), "userinfo is no browser's Origin");
        assertNotNull(local.refusal(List.of("http://localhost:8080/path"), "localhost:8080"));
        assertNotNull(local.refusal(List.of("http://localhost:8080?x"), "localhost:8080"));
        OriginPolicy keys = new OriginPolicy(false, List.of());
        assertNull(keys.refusal(List.of(), "gw.example.com"), "other modes accept any host");
        assertNotNull(keys.refusal(List.of("https://a@gw.example.com"), "gw.example.com"));
    }
}
