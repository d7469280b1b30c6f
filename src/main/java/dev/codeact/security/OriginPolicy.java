package dev.codeact.security;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which web pages may open a session WebSocket (browsers send {@code Origin} on every upgrade
 * and do not apply CORS to WebSockets, so without this any page could drive the gateway:
 * cross-site WebSocket hijacking). A request without {@code Origin} is not from a browser page and
 * passes. A page passes when it is the gateway's own (its origin names the host and port the
 * request was sent to) or is listed in {@code codeact.auth.allowed-origins} ({@code *}: any).
 * In local mode the gateway's own page must also be on a loopback host, so a DNS name rebound to
 * 127.0.0.1 is not "own", and every request must name a loopback host, with or without a page.
 * HTTP requests ({@link PageRequestFilter}) and WebSocket upgrades ({@link OriginCheck}) are judged
 * by the one rule, {@link #refusal}.
 */
public final class OriginPolicy {

    private final boolean local;
    private final boolean anyOrigin;
    private final Set<String> allowed;

    public OriginPolicy(boolean local, List<String> allowedOrigins) {
        this.local = local;
        this.anyOrigin = allowedOrigins.contains("*");
        this.allowed = allowedOrigins.stream().map(OriginPolicy::normalize).collect(Collectors.toSet());
    }

    /**
     * Why a request is refused, or null when it passes.
     *
     * @param origins every {@code Origin} header of the request: more than one is refused (which
     *                one would a check read, and which one the browser meant?)
     * @param host    the authority the request was sent to ({@code Host}, or HTTP/2's {@code :authority}), or null
     */
    public String refusal(List<String> origins, String host) {
        if (origins.size() > 1) {
            return "a request may carry one Origin header";
        }
        if (!allows(origins.isEmpty() ? null : origins.get(0), host)) {
            return "requests from this web page are not allowed (codeact.auth.allowed-origins)";
        }
        if (local && !loopbackHost(host)) {
            return "in local mode the gateway answers requests to a loopback host only (localhost, 127.0.0.1, [::1])";
        }
        return null;
    }

    /**
     * @param origin the {@code Origin} header, or null
     * @param host   the {@code Host} header (authority) the request was sent to, or null
     */
    public boolean allows(String origin, String host) {
        if (origin == null) {
            return true;
        }
        if (anyOrigin || allowed.contains(normalize(origin))) {
            return true;
        }
        URI page;
        try {
            page = new URI(origin.strip());
        } catch (Exception e) {
            return false;
        }
        if (page.getHost() == null || host == null || !("http".equals(page.getScheme()) || "https".equals(page.getScheme()))) {
            return false; // "null" (file pages, sandboxed frames) and other schemes are nobody's own page
        }
        if (page.getRawUserInfo() != null || page.getRawPath() != null && !page.getRawPath().isEmpty() && !page.getRawPath().equals("/")
                || page.getRawQuery() != null || page.getRawFragment() != null) {
            return false; // a browser's Origin is scheme://host[:port] and nothing else
        }
        String pageAuthority = authority(page.getHost(), page.getPort(), page.getScheme());
        URI target;
        try {
            target = new URI(page.getScheme() + "://" + host.strip());
        } catch (Exception e) {
            return false;
        }
        if (target.getHost() == null || !pageAuthority.equals(authority(target.getHost(), target.getPort(), page.getScheme()))) {
            return false;
        }
        return !local || loopbackName(page.getHost());
    }

    /** Whether a {@code host[:port]} authority names a loopback host. */
    static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        try {
            String name = new URI("http://" + host.strip()).getHost();
            return name != null && loopbackName(name);
        } catch (Exception e) {
            return false;
        }
    }

    /** {@code localhost}, a name under it, or a loopback address (no name is looked up). */
    static boolean loopbackName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.endsWith(".localhost") || Authenticator.isLoopback(h);
    }

    private static String authority(String host, int port, String scheme) {
        int effective = port != -1 ? port : "https".equals(scheme) ? 443 : 80;
        return host.toLowerCase(Locale.ROOT) + ":" + effective;
    }

    private static String normalize(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
