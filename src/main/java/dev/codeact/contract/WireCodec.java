package dev.codeact.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** Reads client frames and writes server events: the WebSocket wire format lives here only. */
public final class WireCodec {

    private WireCodec() {}

    public static ClientEvent parseClient(String frame, int maxFrameBytes, int maxTextChars) throws ProtocolException {
        // A UTF-8 byte count is only needed when the char count does not already decide it.
        if (frame.length() > maxFrameBytes
                || (frame.length() * 3L > maxFrameBytes && frame.getBytes(StandardCharsets.UTF_8).length > maxFrameBytes)) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "frame is larger than " + maxFrameBytes + " bytes");
        }
        JsonNode node;
        try {
            node = WireJson.MAPPER.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "frame is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "frame must be a JSON object");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "field 'type' (string) is required");
        }
        return switch (type.asText()) {
            case "user_message" -> new ClientEvent.UserMessage(userText(node, maxTextChars), options(node.get("options")));
            case "cancel" -> new ClientEvent.Cancel();
            case "resume" -> new ClientEvent.Resume(lastSeq(node));
            case "ping" -> new ClientEvent.Ping(optionalText(node, "id"));
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown event type '" + type.asText() + "'");
        };
    }

    private static String userText(JsonNode node, int maxTextChars) throws ProtocolException {
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual() || text.asText().isBlank()) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "user_message needs a non-empty string 'text'");
        }
        if (text.asText().length() > maxTextChars) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "user_message 'text' is longer than " + maxTextChars + " characters");
        }
        return text.asText();
    }

    private static Sampling options(JsonNode options) throws ProtocolException {
        if (options == null || options.isNull()) {
            return Sampling.DEFAULTS;
        }
        if (!options.isObject()) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "'options' must be an object");
        }
        for (var names = options.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!java.util.Set.of("model", "temperature", "max_tokens", "top_p").contains(name)) {
                throw new ProtocolException(ErrorCode.INVALID_EVENT, "unknown option '" + name
                        + "' (model, temperature, max_tokens, top_p)");
            }
        }
        JsonNode maxTokens = options.get("max_tokens");
        if (maxTokens != null && (!maxTokens.canConvertToExactIntegral() || maxTokens.asLong() < 1 || maxTokens.asLong() > Integer.MAX_VALUE)) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "option 'max_tokens' must be a positive integer");
        }
        return new Sampling(optionalText(options, "model"), number(options, "temperature"),
                maxTokens == null ? null : maxTokens.asInt(), number(options, "top_p"));
    }

    private static Double number(JsonNode node, String field) throws ProtocolException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "option '" + field + "' must be a number");
        }
        return value.asDouble();
    }

    private static long lastSeq(JsonNode node) throws ProtocolException {
        JsonNode seq = node.get("last_seq");
        if (seq == null || !seq.canConvertToExactIntegral() || !seq.canConvertToLong() || seq.asLong() < 0) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "resume needs an integer 'last_seq' >= 0");
        }
        return seq.asLong();
    }

    private static String optionalText(JsonNode node, String field) throws ProtocolException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "'" + field + "' must be a string");
        }
        return value.asText();
    }

    /**
     * The envelope is written by hand in front of the record's own JSON: this runs once per
     * token, and building a tree first cost more than the rest of the relay (see bench/).
     */
    public static String encodeServer(String session, long seq, ServerEvent event) {
        String body;
        try {
            body = WireJson.MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + event.type(), e);
        }
        StringBuilder out = new StringBuilder(body.length() + 80).append("{\"type\":\"").append(event.type());
        // Session ids are [A-Za-z0-9_-] (checked before any lookup), so they need no escaping.
        out.append(session == null ? "\",\"session\":null" : "\",\"session\":\"" + session + "\"");
        out.append(",\"seq\":").append(seq);
        return (body.length() > 2 ? out.append(',').append(body, 1, body.length()) : out.append('}')).toString();
    }
}
