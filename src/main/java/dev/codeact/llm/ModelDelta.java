package dev.codeact.llm;

import dev.codeact.contract.Usage;

/** What a streamed completion yields: its text as it comes, then its end (a failure is a {@link ModelCallException}). */
public sealed interface ModelDelta {

    /** Text of the reply: the content of the chunks of one network read, joined. */
    record Text(String text) implements ModelDelta {}

    /**
     * The stream ended normally; the last item.
     *
     * @param finishReason as the server sent it ({@code stop}, {@code length}, …), null when it sent none
     * @param usage        null when the server reported no usage
     */
    record End(String finishReason, Usage usage) implements ModelDelta {}
}
