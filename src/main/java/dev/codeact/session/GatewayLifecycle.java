package dev.codeact.session;

import dev.codeact.config.CodeactConfig;
import dev.codeact.queue.ResultReader;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Starts the gateway's result reader when this process plays the gateway role. */
@ApplicationScoped
public class GatewayLifecycle {

    private static final Logger LOG = Logger.getLogger(GatewayLifecycle.class);

    private final CodeactConfig config;
    private final ResultReader results;
    private final SessionRegistry registry;

    private final MeterRegistry meters;

    public GatewayLifecycle(CodeactConfig config, ResultReader results, SessionRegistry registry, MeterRegistry meters) {
        this.config = config;
        this.results = results;
        this.registry = registry;
        this.meters = meters;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.gateway()) {
            Gauge.builder("codeact.gateway.sessions", registry, SessionRegistry::size)
                    .description("Sessions held in this gateway's memory").register(meters);
            results.onOutage(registry::resultsUnreachable);
            results.start(registry::dispatch);
            registry.listenForTakeovers();
            LOG.infof("gateway reading results from %s", results.stream());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        results.stop();
    }
}
