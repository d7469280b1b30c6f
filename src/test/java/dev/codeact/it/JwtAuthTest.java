package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.Jwt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Signed JWTs (RS256) verified with the standard MicroProfile JWT settings. */
@QuarkusTest
@TestProfile(JwtAuthTest.Jwts.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class JwtAuthTest {

    static final KeyPair KEYS = rsa();
    static final KeyPair OTHER_KEYS = rsa();

    static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static class Jwts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Credentials are the gateway's business alone: no worker, no sandbox.
            return Map.of("codeact.auth.mode", "jwt", "codeact.roles", "gateway",
                    "mp.jwt.verify.publickey", Base64.getEncoder().encodeToString(KEYS.getPublic().getEncoded()),
                    "mp.jwt.verify.issuer", "https://login.example.test");
        }
    }

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    @TestHTTPResource("/v1/info")
    URI info;

    static String token(String upn, String issuer, KeyPair keys, long expiresInSeconds) {
        return Jwt.upn(upn).issuer(issuer).expiresIn(expiresInSeconds).sign(keys.getPrivate());
    }

    String principal(String token) throws InterruptedException {
        try (WsClient ws = WsClient.connect(WsClient.ws(sessions, "?access_token=" + token))) {
            return ws.next("session", 60_000).get("principal").asText();
        }
    }

    int refused(String token) {
        return WsClient.refusedUpgrade(WsClient.ws(sessions, "?access_token=" + token), Map.of());
    }

    @Test
    void aValidTokenNamesThePrincipalAndBadOnesAreRefused() throws Exception {
        assertEquals("carol", principal(token("carol", "https://login.example.test", KEYS, 300)));
        assertEquals(401, refused(token("carol", "https://elsewhere.test", KEYS, 300)), "wrong issuer");
        assertEquals(401, refused(token("carol", "https://login.example.test", OTHER_KEYS, 300)), "wrong key");
        assertEquals(401, refused(token("carol", "https://login.example.test", KEYS, -60)), "expired");
        assertEquals(401, refused("not.a.jwt"));

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(info)
                .header("Authorization", "Bearer " + token("carol", "https://login.example.test", KEYS, 300)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(info).header("Authorization", "Bearer nope").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, refused.statusCode());
    }
}
