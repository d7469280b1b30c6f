package dev.codeact.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

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
            case "user_message" -> new ClientEvent.UserMessage(userText(node, maxTextChars), options(node.get("options")),
                    tools(node.get("tools")), flag(node, "replace_last"));
            case "tool_result" -> toolResult(node);
            case "cancel" -> new ClientEvent.Cancel();
            case "resume" -> new ClientEvent.Resume(lastSeq(node));
            case "ping" -> new ClientEvent.Ping(optionalText(node, "id"));
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown event type '" + type.asText() + "'");
        };
    }

    /**
     * The resume point a WebSocket client gives when it connects ({@code ?last_seq=N} in the
     * upgrade's query, its first value when repeated); null without one.
     */
    public static Long lastSeqQuery(String query) throws ProtocolException {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (!"last_seq".equals(URLDecoder.decode(name, StandardCharsets.UTF_8))) {
                continue;
            }
            try {
                long value = Long.parseLong(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                if (value >= 0) {
                    return value;
                }
            } catch (IllegalArgumentException reported) {
                // below (a bad number, or a bad %-escape)
            }
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "query parameter last_seq must be an integer >= 0");
        }
        return null;
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

    /** An optional boolean field: true, or null when absent or false. */
    private static Boolean flag(JsonNode node, String field) throws ProtocolException {
        JsonNode value = optional(node, field, JsonNode::isBoolean, "'" + field + "' must be true or false");
        return value != null && value.asBoolean() ? Boolean.TRUE : null;
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

    /** The client's tools; null when not given (those declared before stay). */
    private static List<ToolSpec> tools(JsonNode tools) throws ProtocolException {
        if (tools == null || tools.isNull()) {
            return null;
        }
        if (!tools.isArray() || tools.size() > ToolSpec.MAX_PER_CLIENT) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "'tools' must be an array of at most "
                    + ToolSpec.MAX_PER_CLIENT + " tools");
        }
        List<ToolSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode tool : tools) {
            if (!tool.isObject()) {
                throw new ProtocolException(ErrorCode.INVALID_EVENT, "each tool must be an object {name, description, parameters}");
            }
            String name = optionalText(tool, "name");
            if (!ToolSpec.validName(name)) {
                throw new ProtocolException(ErrorCode.INVALID_EVENT, "tool name '" + name + "' is not a Python identifier "
                        + "(letters, digits, _; at most 64; not a keyword)");
            }
            if (!names.add(name)) {
                throw new ProtocolException(ErrorCode.INVALID_EVENT, "tool '" + name + "' is declared twice");
            }
            String description = optionalText(tool, "description");
            if (description != null && description.length() > ToolSpec.MAX_DESCRIPTION) {
                throw new ProtocolException(ErrorCode.INVALID_EVENT, "tool '" + name + "': description over "
                        + ToolSpec.MAX_DESCRIPTION + " characters");
            }
            JsonNode parameters = tool.get("parameters");
            if (parameters != null && !parameters.isNull() && (!parameters.isObject()
                    || (parameters.has("type") && !"object".equals(parameters.get("type").asText()))
                    || (parameters.has("properties") && !parameters.get("properties").isObject()))) {
                throw new ProtocolException(ErrorCode.INVALID_EVENT, "tool '" + name
                        + "': parameters must be a JSON Schema of type object");
            }
            out.add(new ToolSpec(name, description == null ? "" : description, parameters == null || parameters.isNull() ? null : parameters));
        }
        return List.copyOf(out);
    }

    private static ClientEvent.ToolResult toolResult(JsonNode node) throws ProtocolException {
        String call = optionalText(node, "call_id");
        if (call == null || call.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "tool_result needs a string 'call_id'");
        }
        String error = optionalText(node, "error");
        return new ClientEvent.ToolResult(call, error == null ? node.get("value") : null, error);
    }

    private static Double number(JsonNode node, String field) throws ProtocolException {
        JsonNode value = optional(node, field, JsonNode::isNumber, "option '" + field + "' must be a number");
        return value == null ? null : value.asDouble();
    }

    private static long lastSeq(JsonNode node) throws ProtocolException {
        JsonNode seq = node.get("last_seq");
        if (seq == null || !seq.canConvertToExactIntegral() || !seq.canConvertToLong() || seq.asLong() < 0) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "resume needs an integer 'last_seq' >= 0");
        }
        return seq.asLong();
    }

    private static String optionalText(JsonNode node, String field) throws ProtocolException {
        JsonNode value = optional(node, field, JsonNode::isTextual, "'" + field + "' must be a string");
        return value == null ? null : value.asText();
    }

    /** An optional field: null when absent or JSON null, else its value, which must be of the {@code kind} named in {@code must}. */
    private static JsonNode optional(JsonNode node, String field, Predicate<JsonNode> kind, String must) throws ProtocolException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!kind.test(value)) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, must);
        }
        return value;
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
