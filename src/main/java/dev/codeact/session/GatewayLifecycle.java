package dev.codeact.session;

import dev.codeact.config.CodeactConfig;
import dev.codeact.queue.ResultReader;
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

    public GatewayLifecycle(CodeactConfig config, ResultReader results, SessionRegistry registry) {
        this.config = config;
        this.results = results;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.gateway()) {
            results.start(registry::dispatch);
            LOG.infof("gateway reading results from %s", results.stream());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        results.stop();
    }
}
