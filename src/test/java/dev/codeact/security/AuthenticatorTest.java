package dev.codeact.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.config.AuthConfig;
import io.quarkus.security.AuthenticationFailedException;
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

    /** Every loopback form a socket reports is local (Chromium opens http://localhost over ::1). */
    @Test
    void loopbackInEveryFormIsLocalAndNamesAreNeverLookedUp() {
        for (String local : new String[] {"127.0.0.1", "127.8.0.1", "0:0:0:0:0:0:0:1", "::1", "[::1]", "::ffff:127.0.0.1",
                "0:0:0:0:0:ffff:7f00:1", "::1%lo"}) {
            assertTrue(Authenticator.isLoopback(local), local);
        }
        for (String remote : new String[] {"10.0.0.7", "192.168.1.2", "2001:db8::1", "::ffff:10.0.0.1", "localhost",
                "example.com", "", null}) {
            assertFalse(Authenticator.isLoopback(remote), remote);
        }
    }

    @Test
    void apiKeysFromTheHeaderOrTheQuery() {
        Authenticator keys = with(Map.of("codeact.auth.mode", "api-key", "codeact.auth.api-keys", "alice:k1,bob:k2"));
        assertEquals("alice", keys.verify(Authenticator.credential("Bearer k1", null)));
        assertEquals("bob", keys.verify(Authenticator.credential("bearer k2", null)));
        assertEquals("bob", keys.verify(Authenticator.credential(null, "last_seq=3&access_token=k2")));
        assertThrows(AuthenticationFailedException.class, () -> keys.verify("k3"));
        assertNull(Authenticator.credential("Basic k1", null));
        assertNull(Authenticator.credential(null, "access_token="));
    }

    @Test
    void badKeyConfigurationFailsAtStart() {
        assertThrows(IllegalArgumentException.class, () -> with(Map.of("codeact.auth.mode", "api-key")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> with(Map.of("codeact.auth.mode", "api-key", "codeact.auth.api-keys", "no-colon-secret")));
        assertFalse(e.getMessage().contains("secret"), "a broken entry is reported without its key: " + e.getMessage());
    }

    @Test
    void queryHelper() {
        assertEquals("a b", Authenticator.queryParam("x=1&access_token=a%20b", "access_token"));
        assertNull(Authenticator.queryParam(null, "access_token"));
    }
}
