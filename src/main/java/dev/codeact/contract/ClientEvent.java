package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Frames a client sends; {@link WireCodec#parseClient} is the only way to build them from the wire. */
public sealed interface ClientEvent permits ClientEvent.UserMessage, ClientEvent.ToolResult, ClientEvent.Cancel,
        ClientEvent.Resume, ClientEvent.Ping {
    // The permits clause is the schema's order (spec/), whichever javac compiles it.

    /** The frame's {@code type}. */
    String type();

    /**
     * {@code options}: model and sampling choices for this and later turns of the session;
     * {@code tools}: the client's tools for this and later turns, null to keep those declared
     * before (an empty list drops them); {@code replaceLast}: this message replaces the last
     * turn's (edit and resend, or regenerate): the model is told the history before that turn.
     */
    record UserMessage(@Required String text, Sampling options, List<ToolSpec> tools, Boolean replaceLast) implements ClientEvent {
        public UserMessage(String text, Sampling options, List<ToolSpec> tools) {
            this(text, options, tools, null);
        }

        public boolean replacing() {
            return Boolean.TRUE.equals(replaceLast);
        }

        public String type() { return "user_message"; }
    }

    /** The answer to a client tool's call: a {@code value} (any JSON), or an {@code error} message. */
    record ToolResult(@Required String callId, JsonNode value, String error) implements ClientEvent {
        public String type() { return "tool_result"; }
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
