package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import dev.codeact.protocol.ErrorCode;
import dev.codeact.protocol.ProtocolException;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.jwt.JsonWebToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Turns a request's credentials into a principal name. API keys are kept only as SHA-256
 * digests and compared in constant time.
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

    /**
     * @param authorization the {@code Authorization} header, if any
     * @param query         the raw query string, for {@code access_token} (browsers cannot set WebSocket headers)
     * @param remoteAddress the client's address, {@code host:port} or a bare host
     */
    public String authenticate(String authorization, String query, String remoteAddress) throws ProtocolException {
        if (config.mode() == AuthConfig.Mode.LOCAL) {
            if (!isLoopback(remoteAddress)) {
                throw new ProtocolException(ErrorCode.UNAUTHORIZED, "this gateway runs without authentication and "
                        + "accepts only clients on its own machine");
            }
            return LOCAL_PRINCIPAL;
        }
        String key = bearer(authorization);
        if (key == null) {
            key = queryParam(query, "access_token");
        }
        if (key == null) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "credentials are required: Authorization: Bearer TOKEN, "
                    + "or ?access_token=TOKEN");
        }
        if (config.mode() == AuthConfig.Mode.JWT) {
            return principalOf(key);
        }
        byte[] digest = digest(key);
        String found = null;
        for (Key k : keys) {
            if (MessageDigest.isEqual(digest, k.digest())) {
                found = k.principal();
            }
        }
        if (found == null) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the API key is not valid");
        }
        return found;
    }

    private String principalOf(String token) throws ProtocolException {
        JsonWebToken verified;
        try {
            verified = jwt.get().parse(token);
        } catch (ParseException e) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token is not valid: "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        }
        String name = verified.getName() != null ? verified.getName() : verified.getSubject();
        if (name == null || name.isBlank()) {
            throw new ProtocolException(ErrorCode.UNAUTHORIZED, "the token names no principal (upn, preferred_username or sub)");
        }
        return name;
    }

    static boolean isLoopback(String remoteAddress) {
        if (remoteAddress == null) {
            return false;
        }
        String host = remoteAddress;
        if (host.startsWith("[")) {
            host = host.substring(1, host.indexOf(']'));
        } else if (host.chars().filter(c -> c == ':').count() == 1) {
            host = host.substring(0, host.indexOf(':'));
        }
        try {
            // A literal address is parsed, never looked up.
            return (host.matches("[0-9.]+") || host.contains(":")) && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String key = authorization.substring(7).strip();
        return key.isEmpty() ? null : key;
    }

    static String queryParam(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                return value.isEmpty() ? null : value;
            }
        }
        return null;
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
