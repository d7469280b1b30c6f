package dev.codeact.protocol;

/** Frames a client sends; {@link WireCodec#parseClient} is the only way to build them from the wire. */
public sealed interface ClientEvent {

    record UserMessage(String text) implements ClientEvent {}

    record Cancel() implements ClientEvent {}

    /** Ask for every event after {@code lastSeq}, then the live stream. */
    record Resume(long lastSeq) implements ClientEvent {}

    record Ping(String id) implements ClientEvent {}
}
