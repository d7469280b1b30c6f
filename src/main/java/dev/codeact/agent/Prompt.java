package dev.codeact.agent;

import dev.codeact.config.AgentConfig;
import dev.codeact.contract.ChatMessage;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds what the model is sent: the CodeAct system prompt, then the session's history fitted
 * into the context budget.
 *
 * <p>The budget policy, in order, until the estimate fits: (1) observations older than the latest
 * one are shortened to their head and tail with a marker, oldest first; (2) the oldest whole turns
 * are left out (never the current one), and the first remaining message says so. The stored
 * history is never changed.
 */
@ApplicationScoped
@Startup // reads its prompt file at start, never on the event loop of a first turn
public class Prompt {

    static final int KEEP_CHARS = 300;
    static final String OMITTED_TURNS = "[Earlier turns of this conversation were left out to fit the context.]";

    private final String system;
    private final int budgetTokens;

    public Prompt(AgentConfig config) {
        this.system = systemPrompt(config);
        this.budgetTokens = config.contextBudgetTokens();
    }

    private static String systemPrompt(AgentConfig config) {
        if (config.systemPromptFile().filter(f -> !f.isBlank()).isPresent()) {
            Path file = Path.of(config.systemPromptFile().get());
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("codeact.agent.system-prompt-file: cannot read " + file.toAbsolutePath(), e);
            }
        }
        return config.systemPrompt().filter(s -> !s.isBlank()).orElseGet(Prompt::paperPrompt);
    }

    private static String paperPrompt() {
        try (InputStream in = Prompt.class.getResourceAsStream("/prompts/codeact-system.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A rough, model-independent estimate: about four characters per token, plus a few per message. */
    static int tokens(String text) {
        return text.length() / 4 + 4;
    }

    /** @param tools the session's tools as the prompt lists them ({@code Toolbox.prompt()}; empty: none) */
    public List<ChatMessage> messages(List<ChatMessage> history, int replyTokens, String tools) {
        String withTools = tools.isEmpty() ? system : system.stripTrailing() + "\n\n" + tools;
        List<ChatMessage> fitted = fit(history, budgetTokens - replyTokens - tokens(withTools));
        return merged(withTools, fitted);
    }

    private static List<ChatMessage> fit(List<ChatMessage> history, int budget) {
        List<ChatMessage> out = new ArrayList<>(history);
        int total = out.stream().mapToInt(m -> tokens(m.content())).sum();
        int latestObservation = -1;
        for (int i = out.size() - 1; i >= 0 && latestObservation < 0; i--) {
            if (out.get(i).isObservation()) {
                latestObservation = i;
            }
        }
        for (int i = 0; i < out.size() && total > budget; i++) {
            ChatMessage m = out.get(i);
            String c = m.content();
            if (i != latestObservation && m.isObservation() && c.length() > 3 * KEEP_CHARS) {
                String shortened = c.substring(0, KEEP_CHARS) + "\n... [" + (c.length() - 2 * KEEP_CHARS)
                        + " characters of this older output left out to fit the context] ...\n" + c.substring(c.length() - KEEP_CHARS);
                out.set(i, m.withContent(shortened));
                total += tokens(shortened) - tokens(c);
            }
        }
        int dropped = 0;
        while (total > budget) {
            int next = nextTurnStart(out, 1);
            if (next < 0) {
                break; // only the current turn is left: send it, the server decides
            }
            for (ChatMessage m : out.subList(0, next)) {
                total -= tokens(m.content());
            }
            out.subList(0, next).clear();
            dropped++;
        }
        if (dropped > 0) {
            out.set(0, out.get(0).withContent(OMITTED_TURNS + "\n\n" + out.get(0).content()));
        }
        return out;
    }

    /** Index of the first user message that starts a turn at or after {@code from}; -1 if none. */
    private static int nextTurnStart(List<ChatMessage> history, int from) {
        for (int i = from; i < history.size(); i++) {
            ChatMessage m = history.get(i);
            if (ChatMessage.USER.equals(m.role()) && !m.isObservation()) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Consecutive messages of one role are merged: chat templates such as Mistral's (the paper's
     * CodeActAgent) reject two user messages in a row, which happens after a cancelled or
     * failed turn, or when a turn ends at its action limit on an observation.
     */
    private static List<ChatMessage> merged(String system, List<ChatMessage> history) {
        List<ChatMessage> out = new ArrayList<>(history.size() + 1);
        out.add(new ChatMessage(ChatMessage.SYSTEM, system));
        for (ChatMessage m : history) {
            ChatMessage last = out.get(out.size() - 1);
            if (last.role().equals(m.role()) && out.size() > 1) {
                out.set(out.size() - 1, last.withContent(last.content() + "\n\n" + m.content()));
            } else {
                out.add(m);
            }
        }
        return out;
    }
}
