package dev.codeact.contract;


/** Frames a client sends; {@link WireCodec#parseClient} is the only way to build them from the wire. */
public sealed interface ClientEvent {

    /** {@code options}: model and sampling choices for this and later turns of the session. */
    record UserMessage(String text, Sampling options) implements ClientEvent {}

    record Cancel() implements ClientEvent {}

    /** Ask for every event after {@code lastSeq}, then the live stream. */
    record Resume(long lastSeq) implements ClientEvent {}

    record Ping(String id) implements ClientEvent {}
}
