package dev.codeact.llm;

import dev.codeact.protocol.ErrorCode;

/** What one streamed completion reports; all calls arrive on the caller's Vert.x context. */
public interface LlmListener {

    void onDelta(String text);

    /** The stream ended normally ({@code finishReason} may be null when the server sent none). */
    void onComplete(String finishReason);

    void onError(ErrorCode code, String message);
}
