package dev.codeact.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One message of the conversation, as the session history holds it. {@code kind} marks the user
 * messages that carry an observation ({@value #OBSERVATION}), so the context budget can shorten
 * old observations first; only role and content are sent to the model.
 */
public record ChatMessage(String role, String content, String kind) {

    public static final String OBSERVATION = "observation";

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";

    public ChatMessage {
        if (!SYSTEM.equals(role) && !USER.equals(role) && !ASSISTANT.equals(role)) {
            throw new IllegalArgumentException("unknown role " + role);
        }
        if (content == null) {
            throw new IllegalArgumentException("content is required");
        }
    }

    public ChatMessage(String role, String content) {
        this(role, content, null);
    }

    public static ChatMessage observation(String content) {
        return new ChatMessage(USER, content, OBSERVATION);
    }

    @JsonIgnore
    public boolean isObservation() {
        return OBSERVATION.equals(kind);
    }

    public ChatMessage withContent(String newContent) {
        return new ChatMessage(role, newContent, kind);
    }
}
