package dev.codeact.app;

import dev.codeact.config.CodeactConfig;
import dev.codeact.contract.WireJson;
import dev.codeact.session.GatewayLifecycle;
import dev.codeact.worker.WorkerService;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Starts and stops the roles of this process ({@code codeact.roles}), chosen here once: the
 * gateway's result reading and the worker's job reading start only in a process that plays them.
 */
@ApplicationScoped
public class Roles {

    private final boolean gateway;
    private final boolean worker;
    private final GatewayLifecycle gatewayRole;
    private final WorkerService workerRole;

    public Roles(CodeactConfig config, GatewayLifecycle gatewayRole, WorkerService workerRole) {
        this.gateway = config.gateway();
        this.worker = config.worker();
        this.gatewayRole = gatewayRole;
        this.workerRole = workerRole;
    }

    void onStart(@Observes StartupEvent event) {
        // Off the main thread: the first session's frames find Jackson ready, and the start does not wait for it.
        Thread warmUp = new Thread(WireJson::warmUp, "codeact-json-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        if (gateway) {
            gatewayRole.start();
        }
        if (worker) {
            workerRole.start();
        }
    }

    /**
     * Before the HTTP server closes (quarkus.shutdown.delay-enabled makes Quarkus announce it): a
     * gateway tells its clients it is going away while it still runs.
     */
    void onShutdownRequested(@Observes ShutdownDelayInitiatedEvent event) {
        if (gateway) {
            gatewayRole.goingAway();
        }
    }

    /** The worker first: jobs finishing within its grace period still reach this process's sessions. */
    void onStop(@Observes ShutdownEvent event) {
        if (worker) {
            workerRole.stop();
        }
        if (gateway) {
            gatewayRole.stop();
        }
    }
}
