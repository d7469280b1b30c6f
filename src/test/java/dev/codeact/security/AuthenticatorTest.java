package dev.codeact.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.config.AuthConfig;
import dev.codeact.protocol.ErrorCode;
import dev.codeact.protocol.ProtocolException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

    static Authenticator with(Map<String, String> props) {
        AuthConfig config = new SmallRyeConfigBuilder().withMapping(AuthConfig.class)
                .withSources(new PropertiesConfigSource(props, "test", 500)).build().getConfigMapping(AuthConfig.class);
        return new Authenticator(config, null);
    }

    @Test
    void localModeServesOnlyThisMachine() throws ProtocolException {
        Authenticator local = with(Map.of());
        assertEquals("local", local.authenticate(null, null, "127.0.0.1:51234"));
        assertEquals("local", local.authenticate(null, null, "[::1]:51234"));
        assertEquals("local", local.authenticate(null, null, "127.8.0.1"));
        for (String remote : new String[] {"10.0.0.7:40000", "192.168.1.2", "[2001:db8::1]:80", "localhost", null}) {
            assertEquals(ErrorCode.UNAUTHORIZED,
                    assertThrows(ProtocolException.class, () -> local.authenticate(null, null, remote)).code(), remote);
        }
    }

    @Test
    void apiKeysFromTheHeaderOrTheQuery() throws ProtocolException {
        Authenticator keys = with(Map.of("codeact.auth.mode", "api-key", "codeact.auth.api-keys", "alice:k1,bob:k2"));
        assertEquals("alice", keys.authenticate("Bearer k1", null, "10.0.0.7:1"));
        assertEquals("bob", keys.authenticate("bearer k2", null, "10.0.0.7:1"));
        assertEquals("bob", keys.authenticate(null, "last_seq=3&access_token=k2", "10.0.0.7:1"));
        assertThrows(ProtocolException.class, () -> keys.authenticate("Bearer k3", null, "127.0.0.1:1"));
        assertThrows(ProtocolException.class, () -> keys.authenticate("Basic k1", null, "127.0.0.1:1"));
        assertThrows(ProtocolException.class, () -> keys.authenticate(null, "access_token=", "127.0.0.1:1"));
    }

    @Test
    void badKeyConfigurationFailsAtStart() {
        assertThrows(IllegalArgumentException.class, () -> with(Map.of("codeact.auth.mode", "api-key")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> with(Map.of("codeact.auth.mode", "api-key", "codeact.auth.api-keys", "no-colon-secret")));
        assertFalse(e.getMessage().contains("secret"), "a broken entry is reported without its key: " + e.getMessage());
    }

    @Test
    void loopbackAndQueryHelpers() {
        assertTrue(Authenticator.isLoopback("127.0.0.1"));
        assertFalse(Authenticator.isLoopback("example.com:80"));
        assertEquals("a b", Authenticator.queryParam("x=1&access_token=a%20b", "access_token"));
        assertNull(Authenticator.queryParam(null, "access_token"));
    }
}
