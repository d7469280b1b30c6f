package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "codeact.llm")
public interface LlmConfig {

    /** OpenAI-compatible base URL, e.g. {@code http://localhost:8000/v1}. Unset: no model configured. */
    Optional<String> baseUrl();

    /** Sent as {@code Authorization: Bearer …} when set. */
    Optional<String> apiKey();

    /** Model name passed upstream. */
    @WithDefault("xingyaoww/CodeActAgent-Mistral-7b-v0.1")
    String model();

    @WithDefault("0.0")
    double temperature();

    @WithDefault("1024")
    @Positive
    int maxTokens();

    /** Stop sequences; the CodeAct format's defaults. */
    @WithDefault("</execute>,<|im_end|>")
    List<String> stop();

    @WithDefault("5s")
    Duration connectTimeout();

    /** Upstream connections at once: one per session whose model reply is streaming. */
    @WithDefault("1000")
    @Positive
    int maxConnections();

    /** No byte from upstream for this long ends the turn with {@code upstream_timeout}. */
    @WithDefault("60s")
    Duration idleTimeout();

    /** Upper bound for one model call, first byte to last. */
    @WithDefault("300s")
    Duration totalTimeout();

    /** {@code top_p}; not sent when unset. */
    Optional<Double> topP();

    /** Retries of a call answered 429 or 5xx before its first token (401/403 are never retried). */
    @WithDefault("3")
    @PositiveOrZero
    int maxRetries();

    /** First retry delay; doubled per attempt, with jitter, and at least what {@code Retry-After} asks. */
    @WithDefault("500ms")
    Duration retryBase();

    /** Longest wait before one retry. */
    @WithDefault("10s")
    Duration retryMax();

    /** Ask for token usage in the stream ({@code stream_options.include_usage}); some old servers refuse it. */
    @WithDefault("true")
    boolean includeUsage();

    /** Models a client may pick per session ({@code user_message.options.model}); the configured model always. */
    Optional<List<String>> allowedModels();

    /** Highest {@code temperature} a client may ask for. */
    @WithDefault("2.0")
    double maxTemperature();

    /** Highest {@code max_tokens} a client may ask for. */
    @WithDefault("4096")
    @Positive
    int maxTokensLimit();
}
