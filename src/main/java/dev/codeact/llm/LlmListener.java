package dev.codeact.llm;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Usage;

/** What one streamed completion reports; all calls arrive on the caller's Vert.x context. */
public interface LlmListener {

    void onDelta(String text);

    /**
     * The stream ended normally.
     *
     * @param finishReason as the server sent it ({@code stop}, {@code length}, …), null when it sent none
     * @param usage        null when the server reported no usage
     */
    void onComplete(String finishReason, Usage usage);

    void onError(ErrorCode code, String message);
}
