package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
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
    int maxTokens();

    /** Stop sequences; the CodeAct format's defaults. */
    @WithDefault("</execute>,<|im_end|>")
    List<String> stop();

    @WithDefault("5s")
    Duration connectTimeout();

    /** Upstream connections at once: one per session whose model reply is streaming. */
    @WithDefault("1000")
    int maxConnections();

    /** No byte from upstream for this long ends the turn with {@code upstream_timeout}. */
    @WithDefault("60s")
    Duration idleTimeout();

    /** Upper bound for one model call, first byte to last. */
    @WithDefault("300s")
    Duration totalTimeout();
}
