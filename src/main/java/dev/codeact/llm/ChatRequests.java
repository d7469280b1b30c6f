package dev.codeact.llm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact.config.LlmConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.WireJson;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.List;

/**
 * What is asked of the model server: which choices a session may make (within the configured
 * bounds), and the chat-completions request they make, in OpenAI's format.
 */
final class ChatRequests {

    private final LlmConfig config;

    ChatRequests(LlmConfig config) {
        this.config = config;
    }

    String model(Sampling sampling) {
        return sampling.model() != null ? sampling.model() : config.model();
    }

    int maxTokens(Sampling sampling) {
        return sampling.maxTokens() != null ? sampling.maxTokens() : config.maxTokens();
    }

    /** Why a client's choices are refused, or null when they are within the configured bounds. */
    String refusal(Sampling sampling) {
        if (sampling.model() != null && !sampling.model().equals(config.model())
                && !config.allowedModels().orElse(List.of()).contains(sampling.model())) {
            return "model '" + sampling.model() + "' is not allowed here (codeact.llm.allowed-models)";
        }
        if (sampling.temperature() != null && (sampling.temperature() < 0 || sampling.temperature() > config.maxTemperature())) {
            return "temperature must be between 0 and " + config.maxTemperature();
        }
        if (sampling.maxTokens() != null && sampling.maxTokens() > config.maxTokensLimit()) {
            return "max_tokens must be at most " + config.maxTokensLimit();
        }
        if (sampling.topP() != null && (sampling.topP() <= 0 || sampling.topP() > 1)) {
            return "top_p must be in (0, 1]";
        }
        return null;
    }

    String body(List<ChatMessage> messages, Sampling sampling) {
        ObjectNode body = WireJson.MAPPER.createObjectNode();
        body.put("model", model(sampling));
        body.put("stream", true);
        if (config.includeUsage()) {
            body.putObject("stream_options").put("include_usage", true);
        }
        body.put("temperature", sampling.temperature() != null ? sampling.temperature() : config.temperature());
        body.put("max_tokens", maxTokens(sampling));
        Double topP = sampling.topP() != null ? sampling.topP() : config.topP().orElse(null);
        if (topP != null) {
            body.put("top_p", topP);
        }
        ArrayNode stop = body.putArray("stop");
        config.stop().forEach(stop::add);
        ArrayNode list = body.putArray("messages");
        for (ChatMessage m : messages) {
            list.addObject().put("role", m.role()).put("content", m.content());
        }
        return body.toString();
    }

    RequestOptions options() {
        String base = config.baseUrl().orElseThrow().replaceAll("/+$", "");
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(base + "/chat/completions")
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream");
        config.apiKey().filter(k -> !k.isBlank()).ifPresent(k -> options.putHeader("Authorization", "Bearer " + k));
        return options;
    }
}
