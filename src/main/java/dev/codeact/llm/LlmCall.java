package dev.codeact.llm;

/** A completion in flight. */
public interface LlmCall {

    /** Closes the upstream connection at once; no listener call follows. Idempotent. */
    void cancel();
}
