package dev.codeact.llm;

/** One message of the conversation, as the chat-completions API and the session history hold it. */
public record ChatMessage(String role, String content) {

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
}
