package dev.codeact.queue;

import dev.codeact.config.CodeactConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Every Redis key and channel of the contract. Session keys carry the session id as a hash tag
 * ({@code codeact:{id}:…}) so one session's keys stay on one Redis Cluster slot.
 */
@ApplicationScoped
public class RedisKeys {

    public static final String WORKER_GROUP = "workers";

    private final String prefix;

    public RedisKeys(CodeactConfig config) {
        this.prefix = config.keyPrefix();
    }

    public String jobs() {
        return prefix + "jobs";
    }

    /** The jobs of sessions whose kernel lives on {@code workerId}. */
    public String workerJobs(String workerId) {
        return prefix + "jobs:w:" + workerId;
    }

    public String heartbeat(String workerId) {
        return prefix + "worker:" + workerId;
    }

    /** Set of every worker that may still own jobs. */
    public String workers() {
        return prefix + "workers";
    }

    /** Taken by the one worker that takes over the jobs of a dead worker. */
    public String rescueLock(String workerId) {
        return prefix + "rescue:" + workerId;
    }

    /** The worker holding the session's kernel. */
    public String affinity(String session) {
        return prefix + "{" + session + "}:worker";
    }

    /** Held by the gateway running a turn of the session (renewed while it runs). */
    public String turnLease(String session) {
        return prefix + "{" + session + "}:turn";
    }

    /** Gateways announce here the sessions they load, so others drop their stale copies. */
    public String sessionTakenChannel() {
        return prefix + "session-taken";
    }

    public String results(String gatewayId) {
        return prefix + "results:" + gatewayId;
    }

    public String cancelChannel() {
        return prefix + "cancel";
    }

    public String history(String session) {
        return prefix + "{" + session + "}:history";
    }

    public String events(String session) {
        return prefix + "{" + session + "}:events";
    }
}
