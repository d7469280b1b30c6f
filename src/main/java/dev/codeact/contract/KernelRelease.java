package dev.codeact.contract;

/**
 * Published on the release channel when a gateway lets go of a session (idle eviction, deletion):
 * the worker holding its kernel stops it at once, with every process its code started, unless an
 * action runs on it. The session may come back later; its next action then runs on a fresh kernel
 * and says so.
 *
 * @param reason null for a gateway's release; set when a worker evicts the kernel to keep its
 *               owner within {@code codeact.limits.kernels-per-principal}: then a running kernel is
 *               stopped once its action ends, and the session's next observation gives the reason
 */
public record KernelRelease(int v, String session, String reason) {

    public KernelRelease {
        QueueCodec.require(session, "session");
    }
}
