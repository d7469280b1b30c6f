package dev.codeact.agent;

import dev.codeact.config.AgentConfig;
import dev.codeact.llm.ChatMessage;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds what the model is sent: the CodeAct system prompt, then the session's history. */
@ApplicationScoped
public class Prompt {

    private final String system;

    public Prompt(AgentConfig config) {
        this.system = config.systemPrompt().filter(s -> !s.isBlank()).orElseGet(Prompt::paperPrompt);
    }

    private static String paperPrompt() {
        try (InputStream in = Prompt.class.getResourceAsStream("/prompts/codeact-system.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Consecutive messages of one role are merged: chat templates such as Mistral's (the paper's
     * CodeActAgent) reject two user messages in a row, which happens after a cancelled or
     * failed turn, or when a turn ends at its action limit on an observation.
     */
    public List<ChatMessage> messages(List<ChatMessage> history) {
        List<ChatMessage> out = new ArrayList<>(history.size() + 1);
        out.add(new ChatMessage(ChatMessage.SYSTEM, system));
        for (ChatMessage m : history) {
            ChatMessage last = out.get(out.size() - 1);
            if (last.role().equals(m.role()) && out.size() > 1) {
                out.set(out.size() - 1, new ChatMessage(m.role(), last.content() + "\n\n" + m.content()));
            } else {
                out.add(m);
            }
        }
        return out;
    }
}
