package dev.codeact.llm;

import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.Sampling;
import io.smallrye.mutiny.Multi;
import java.util.List;

/** The model a turn talks to (an OpenAI-compatible server: {@link LlmClient}). */
public interface ModelClient {

    boolean configured();

    /** The configured model's name. */
    String model();

    /** The reply's token budget of a call with these choices. */
    int maxTokens(Sampling sampling);

    /** Why a client's choices are refused, or null when they are within the configured bounds. */
    String refusal(Sampling sampling);

    /**
     * The reply, as it streams: {@link ModelDelta.Text}s, then one {@link ModelDelta.End}; a
     * failure is a {@link ModelCallException}. Nothing is emitted while the subscription is being
     * made (the turn keeps its handle to cancel it). Cancelling the subscription ends the call.
     */
    Multi<ModelDelta> stream(List<ChatMessage> messages, Sampling sampling);
}
