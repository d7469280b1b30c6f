package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.AuthenticationFailedException;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * Turns a credential into a principal name. API keys are kept only as SHA-256 digests and
 * compared in constant time; JWTs are verified by smallrye-jwt's parser with the MicroProfile
 * settings. Used by {@link BearerMechanism} and {@link TokenIdentityProvider}.
 */
@ApplicationScoped
public class Authenticator {

    private static final Logger LOG = Logger.getLogger(Authenticator.class);
    public static final String LOCAL_PRINCIPAL = "local";

    private record Key(byte[] digest, String principal) {}

    private final AuthConfig config;
    private final List<Key> keys = new ArrayList<>();
    private final Instance<JWTParser> jwt;

    public Authenticator(AuthConfig config, Instance<JWTParser> jwt) {
        this.config = config;
        this.jwt = jwt;
        for (String entry : config.apiKeys().orElse(List.of())) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("codeact.auth.api-keys: entries are principal:key, got '"
                        + (colon > 0 ? entry.substring(0, colon) + ":…" : "…") + "'");
            }
            keys.add(new Key(digest(entry.substring(colon + 1)), entry.substring(0, colon)));
        }
        if (config.mode() == AuthConfig.Mode.API_KEY && keys.isEmpty()) {
            throw new IllegalArgumentException("codeact.auth.mode=api-key needs codeact.auth.api-keys");
        }
    }

    void announce(@Observes StartupEvent event) {
        if (config.mode() == AuthConfig.Mode.LOCAL) {
            LOG.warn("authentication is off (codeact.auth.mode=local): only clients on this machine (loopback) are "
                    + "accepted; set codeact.auth.mode=api-key and codeact.auth.api-keys to serve others");
        } else if (config.mode() == AuthConfig.Mode.JWT) {
            LOG.info("authentication: signed JWTs (mp.jwt.verify.*)");
        } else {
            LOG.infof("authentication: API keys (%d principals)", keys.size());
        }
    }

    public AuthConfig.Mode mode() {
        return config.mode();
    }

    /** The principal a credential stands for; fails with a message the client may read. */
    public String verify(String credential) {
        if (config.mode() == AuthConfig.Mode.JWT) {
            return principalOf(credential);
        }
        byte[] digest = digest(credential);
        String found = null;
        for (Key k : keys) {
            if (MessageDigest.isEqual(digest, k.digest())) {
                found = k.principal();
            }
        }
        if (found == null) {
            throw new AuthenticationFailedException("the API key is not valid");
        }
        return found;
    }

    private String principalOf(String token) {
        JsonWebToken verified;
        try {
            verified = jwt.get().parse(token);
        } catch (ParseException e) {
            throw new AuthenticationFailedException("the token is not valid: "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        }
        String name = verified.getName() != null ? verified.getName() : verified.getSubject();
        if (name == null || name.isBlank()) {
            throw new AuthenticationFailedException("the token names no principal (upn, preferred_username or sub)");
        }
        return name;
    }

    /**
     * The credential of a request: {@code Authorization: Bearer …}, else {@code ?access_token=…}
     * (browsers cannot set headers on a WebSocket); null when there is none.
     */
    static String credential(String authorization, String query) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = authorization.substring(7).strip();
            if (!key.isEmpty()) {
                return key;
            }
        }
        return queryParam(query, "access_token");
    }

    /**
     * Whether a peer's address (a literal, as the socket reports it: {@code 127.0.0.1},
     * {@code 0:0:0:0:0:0:0:1}, {@code ::ffff:127.0.0.1}) is this machine's loopback.
     */
    public static boolean isLoopback(String hostAddress) {
        if (hostAddress == null || hostAddress.isEmpty()) {
            return false;
        }
        String host = hostAddress.startsWith("[") && hostAddress.endsWith("]")
                ? hostAddress.substring(1, hostAddress.length() - 1) : hostAddress;
        int zone = host.indexOf('%');
        if (zone > 0) {
            host = host.substring(0, zone);
        }
        if (!host.matches("[0-9.]+") && !host.matches("[0-9a-fA-F:.]+")) {
            return false; // a name: never looked up
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static String queryParam(String query, String name) {
        if (query == null) {
            return null;
        }
        List<String> values = new QueryStringDecoder(query, false).parameters().get(name);
        return values == null || values.get(0).isEmpty() ? null : values.get(0);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
