package dev.codeact.contract;

/** Frames a client sends; {@link WireCodec#parseClient} is the only way to build them from the wire. */
public sealed interface ClientEvent {

    /** The frame's {@code type}. */
    String type();

    /** {@code options}: model and sampling choices for this and later turns of the session. */
    record UserMessage(String text, Sampling options) implements ClientEvent {
        public String type() { return "user_message"; }
    }

    record Cancel() implements ClientEvent {
        public String type() { return "cancel"; }
    }

    /** Ask for every event after {@code lastSeq}, then the live stream. */
    record Resume(long lastSeq) implements ClientEvent {
        public String type() { return "resume"; }
    }

    record Ping(String id) implements ClientEvent {
        public String type() { return "ping"; }
    }
}
