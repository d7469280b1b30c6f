package dev.codeact.session;

import dev.codeact.queue.ResultReader;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** The gateway role's start and stop: its result reader, its sessions gauge, takeover notices. */
@ApplicationScoped
public class GatewayLifecycle {

    private static final Logger LOG = Logger.getLogger(GatewayLifecycle.class);

    private final ResultReader results;
    private final SessionRegistry registry;

    private final MeterRegistry meters;

    public GatewayLifecycle(ResultReader results, SessionRegistry registry, MeterRegistry meters) {
        this.results = results;
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
        LOG.infof("gateway reading results from %s", results.stream());
    }

    public void stop() {
        results.stop();
    }
}
