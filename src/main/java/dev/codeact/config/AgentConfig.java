package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "codeact.agent")
public interface AgentConfig {

    /** Code actions per turn; the paper's reference loop allowed 5. */
    @WithDefault("5")
    @Positive
    int maxActions();

    /** Prefix of the user message that carries an observation back to the model. */
    @WithDefault("Execution Output:\n")
    String observationPrefix();

    /** System prompt; the CodeAct paper's prompt (prompts/codeact-system.txt) when unset. */
    Optional<String> systemPrompt();

    /** Observations longer than this reach the model as head + marker + tail (the paper's 4000). */
    @WithDefault("4000")
    @Min(200)
    int maxObservationChars();

    /** Wall time of one action before the kernel is interrupted. */
    @WithDefault("60s")
    Duration actionTimeout();

    /** After cancel, how long the turn waits for the interrupted action's observation. */
    @WithDefault("5s")
    Duration cancelGrace();

    /** An action with no observation after this long ends its turn ({@code execution_failed}): no worker answered. */
    @WithDefault("180s")
    Duration resultTimeout();

    /**
     * Context budget of one model call, in tokens (estimated as characters / 4), the reply's
     * {@code max_tokens} included. Over it, older observations are shortened, then the oldest
     * turns are left out of what is sent (the stored history keeps everything).
     */
    @WithDefault("16000")
    @Min(256)
    int contextBudgetTokens();

    /** Read the system prompt from this file (UTF-8) instead of {@code system-prompt}. */
    Optional<String> systemPromptFile();
}
