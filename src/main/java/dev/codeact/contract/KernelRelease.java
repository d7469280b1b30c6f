package dev.codeact.contract;

/**
 * Published on the release channel when a gateway lets go of a session (idle eviction): the
 * worker holding its kernel stops it at once, with every process its code started. The session
 * may come back later; its next action then runs on a fresh kernel and says so.
 */
public record KernelRelease(int v, String session) {

    public KernelRelease {
        QueueCodec.require(session, "session");
    }
}
