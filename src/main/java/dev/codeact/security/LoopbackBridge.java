package dev.codeact.security;

import dev.codeact.config.AuthConfig;
import dev.codeact.config.LocalModeHost;
import io.quarkus.vertx.http.HttpServerStart;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.vertx.http.HttpServer;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

/**
 * Local mode listens on loopback only, and one HTTP server listens on one address: IPv4 loopback.
 * Chromium opens {@code http://localhost:PORT/} over IPv6 ({@code [::1]}) first, and falls back to
 * IPv4 only after a long wait; so the same port on {@code [::1]} relays every connection, byte for
 * byte, to the server on {@code 127.0.0.1}. The relay sees only loopback peers, so local mode's
 * checks (a loopback peer, a loopback Host) hold as if the client had come directly. A machine
 * without IPv6 loopback goes without it.
 */
@ApplicationScoped
public class LoopbackBridge {

    private static final Logger LOG = Logger.getLogger(LoopbackBridge.class);
    static final String IPV6_LOOPBACK = "::1";

    private final Vertx vertx;
    private final AuthConfig auth;
    private final Instance<HttpServer> server;
    private NetServer relay;

    public LoopbackBridge(Vertx vertx, AuthConfig auth, Instance<HttpServer> server) {
        this.vertx = vertx;
        this.auth = auth;
        this.server = server;
    }

    /** Quarkus fires it asynchronously, once per HTTP verticle: the first one starts the relay. */
    synchronized void started(@ObservesAsync HttpServerStart start) {
        String host = start.options().getHost();
        int port = server.get().getPort(); // the port bound, when the configured one was 0 (the tests')
        if (auth.mode() != AuthConfig.Mode.LOCAL || !LocalModeHost.LOOPBACK.equals(host) || port <= 0 || relay != null) {
            return;
        }
        NetClient upstream = vertx.createNetClient();
        relay = vertx.createNetServer().connectHandler(client -> relay(client, upstream, port));
        relay.listen(port, IPV6_LOOPBACK).onComplete(bound -> {
            if (bound.succeeded()) {
                LOG.infof("local mode: listening on http://%s:%d/ and http://[%s]:%d/ (loopback only)", host, port, IPV6_LOOPBACK, port);
            } else {
                LOG.infof("local mode: listening on http://%s:%d/ only (no IPv6 loopback here: %s)", host, port,
                        bound.cause().getMessage());
            }
        });
    }

    private static void relay(NetSocket client, NetClient upstream, int port) {
        client.pause();
        upstream.connect(port, LocalModeHost.LOOPBACK).onComplete(connected -> {
            if (connected.failed()) {
                client.close();
                return;
            }
            NetSocket server = connected.result();
            client.pipeTo(server);
            server.pipeTo(client);
            client.resume();
        });
    }
}
