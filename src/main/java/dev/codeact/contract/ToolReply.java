package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool call's answer, from the gateway to the worker running the call's job (on that worker's
 * reply stream): a {@code value} (any JSON), or an {@code error}.
 */
public record ToolReply(int v, String session, String jobId, String callId, JsonNode value, ToolFailure error) {

    public ToolReply {
        QueueCodec.require(session, "session");
        QueueCodec.require(jobId, "job_id");
        QueueCodec.require(callId, "call_id");
    }
}
