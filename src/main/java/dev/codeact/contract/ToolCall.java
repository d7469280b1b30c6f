package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A call the running code made: {@code callId} is unique within its action, {@code tool} the
 * Python name it called, {@code arguments} the JSON object of its bound arguments.
 */
public record ToolCall(String callId, String tool, JsonNode arguments) {

    public ToolCall {
        QueueCodec.require(callId, "call_id");
        QueueCodec.require(tool, "tool");
        if (arguments == null || !arguments.isObject()) {
            throw new IllegalArgumentException("a tool call's arguments must be a JSON object");
        }
    }
}
