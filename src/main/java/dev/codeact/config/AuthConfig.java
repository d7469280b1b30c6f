package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** Who may use the gateway. */
@ConfigMapping(prefix = "codeact.auth")
public interface AuthConfig {

    enum Mode {
        /** No credentials, and only clients on this machine (loopback): the one-machine default. */
        LOCAL,
        /** {@code Authorization: Bearer KEY} (or {@code ?access_token=KEY} where headers cannot be set). */
        API_KEY,
        /**
         * A signed JWT, passed the same way, verified with the standard MicroProfile JWT settings
         * ({@code mp.jwt.verify.publickey} or {@code mp.jwt.verify.publickey.location} as a file,
         * {@code mp.jwt.verify.issuer}); the principal is its {@code upn}, {@code preferred_username}
         * or {@code sub}.
         */
        JWT
    }

    @WithDefault("local")
    Mode mode();

    /** {@code principal:key} pairs, e.g. {@code alice:3f9a…,widget:77c1…}; required in {@code api-key} mode. */
    Optional<List<String>> apiKeys();

    /**
     * Web pages (origins, e.g. {@code https://chat.example.com}) that may open session WebSockets
     * besides the gateway's own page; {@code *} allows any. Clients that are not browser pages
     * send no {@code Origin} and are not affected.
     */
    Optional<List<String>> allowedOrigins();

    /**
     * Pages that may show the gateway's page in a frame: the sources of the Content-Security-Policy's
     * {@code frame-ancestors}, space-separated (e.g. {@code https://intranet.example.com}). By default
     * no page may; such a page's origin usually belongs in {@code allowed-origins} too.
     */
    @WithDefault("'none'")
    String frameAncestors();
}
