package dev.codeact.session;

import dev.codeact.queue.ResultReader;
import dev.codeact.queue.WorkerLoad;
import dev.codeact.tools.McpServers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OpenConnections;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The gateway role's start and stop: its result reader, its sessions gauge, takeover notices, its
 * heartbeat, its look at the workers' load, its MCP servers, its clients at shutdown.
 */
@ApplicationScoped
public class GatewayLifecycle {

    private static final Logger LOG = Logger.getLogger(GatewayLifecycle.class);

    private static final CloseReason GOING_AWAY = new CloseReason(1001, "the gateway is stopping: reconnect");
    /** How long a stopping gateway waits for its clients' connections to close (k8s/ leaves room for it). */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final ResultReader results;
    private final OpenConnections connections;
    private final SessionRegistry registry;

    private final MeterRegistry meters;

    private final McpServers mcp;
    private final SessionIndex index;

    private final GatewayHeartbeat heartbeat;
    private final WorkerLoad load;

    public GatewayLifecycle(ResultReader results, SessionRegistry registry, MeterRegistry meters, OpenConnections connections,
                            McpServers mcp, SessionIndex index, GatewayHeartbeat heartbeat, WorkerLoad load) {
        this.heartbeat = heartbeat;
        this.load = load;
        this.mcp = mcp;
        this.index = index;
        this.results = results;
        this.connections = connections;
        this.registry = registry;
        this.meters = meters;
    }

    /** Called once, in a process that plays the gateway role (see Roles). */
    public void start() {
        Gauge.builder("codeact.gateway.sessions", registry, SessionRegistry::size)
                .description("Sessions held in this gateway's memory").register(meters);
        results.onOutage(registry::resultsUnreachable);
        results.start(registry::dispatch);
        registry.listenForTakeovers();
        heartbeat.start();
        load.start();
        mcp.start();
        LOG.infof("gateway reading results from %s", results.stream());
    }

    /**
     * Tells every client this gateway is going away (1001: they reconnect, to a peer or to this
     * one once it is back) while the application still runs, so their close handlers run too.
     */
    public void goingAway() {
        List<Uni<Void>> closing = connections.listAll().stream()
                .map(c -> c.close(GOING_AWAY).onFailure().recoverWithNull()).toList();
        if (!closing.isEmpty()) {
            try {
                Uni.join().all(closing).andCollectFailures().await().atMost(CLOSE_WAIT);
                LOG.infof("closed %d client connection(s): this gateway is stopping", closing.size());
            } catch (RuntimeException late) {
                LOG.warnf("not every client connection closed within %s: %s", CLOSE_WAIT, late.getMessage());
            }
        }
    }

    public void stop() {
        index.drain(CLOSE_WAIT);
        heartbeat.stop();
        load.stop();
        results.stop();
        mcp.stop();
    }
}
