package dev.codeact.contract;

/** Published when a gateway loads a session from Redis: other gateways drop their copy of it. */
public record SessionTaken(int v, String session, String gateway) {

    public SessionTaken {
        QueueCodec.require(session, "session");
        QueueCodec.require(gateway, "gateway");
    }
}
