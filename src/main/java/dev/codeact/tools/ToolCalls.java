package dev.codeact.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.Result;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.ToolCall;
import dev.codeact.contract.ToolFailure;
import dev.codeact.contract.ToolReply;
import dev.codeact.contract.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The tool calls of one session's running code, on the session's context: each is shown to the
 * clients ({@code tool_call}), answered by the MCP server or by a client of the session, checked
 * against the limits, shown again ({@code tool_result}) and sent back to the worker that waits.
 * A call only ever reaches this session's tools and clients: the session routes its own results here.
 */
public final class ToolCalls {

    private static final Logger LOG = Logger.getLogger(ToolCalls.class);
    /** The most of a value a {@code tool_result} event carries (the code gets all of it). */
    static final int SHOWN_CHARS = 16_384;

    /** A client tool's call waiting for its answer. */
    private record Waiting(Integer turn, String actionId, Result.ToolCalled call, Toolbox.Entry entry, long startedAt, long timer) {}

    private final ToolHost session;
    private final ToolRuntime rt;
    private final Map<String, Waiting> waiting = new HashMap<>();

    ToolCalls(ToolHost session, ToolRuntime rt) {
        this.session = session;
        this.rt = rt;
    }

    /** A {@code tool_call} result of the action {@code actionId} ({@code turn} null: code of the sessions API). */
    public void onCall(Integer turn, String actionId, Result.ToolCalled result) {
        ToolCall call = result.call();
        long started = System.nanoTime();
        Toolbox.Entry entry = session.toolbox().get(call.tool());
        String source = entry == null ? null : entry.mcp() == null ? "client" : "mcp:" + entry.mcp().server();
        session.emit(new ServerEvent.ToolCall(turn, actionId, call.callId(), call.tool(), call.arguments(), source));
        if (entry == null) {
            boolean exists = rt.catalog.mcpTool(call.tool()) != null;
            finish(turn, actionId, result, null, started, null, ToolFailure.of(exists ? ErrorCode.TOOL_FORBIDDEN : ErrorCode.UNKNOWN_TOOL,
                    exists ? "this session may not call " + call.tool() + " (codeact.tools.allow)" : "no tool named " + call.tool()));
        } else if (entry.mcp() != null) {
            if (!rt.catalog.allowed(session.owner(), call.tool())) {
                finish(turn, actionId, result, entry, started, null, ToolFailure.of(ErrorCode.TOOL_FORBIDDEN,
                        "this session may not call " + call.tool() + " (codeact.tools.allow)"));
                return;
            }
            rt.mcp.call(entry.mcp(), call.arguments()).subscribe().with(outcome -> session.run(() ->
                    finish(turn, actionId, result, entry, started, outcome.value(), outcome.failure())));
        } else if (!session.canAnswerTools()) {
            finish(turn, actionId, result, entry, started, null, ToolFailure.of(ErrorCode.TOOL_UNAVAILABLE,
                    "no client of this session is connected to answer " + call.tool()));
        } else {
            long timer = rt.vertx.setTimer(rt.config.callTimeout().toMillis(), t -> session.run(() -> {
                if (waiting.remove(call.callId()) != null) {
                    finish(turn, actionId, result, entry, started, null, ToolFailure.of(ErrorCode.TOOL_TIMEOUT,
                            "no client answered " + call.tool() + " within " + rt.config.callTimeout().toMillis() + " ms"));
                }
            }));
            waiting.put(call.callId(), new Waiting(turn, actionId, result, entry, started, timer));
        }
    }

    /** A client's {@code tool_result}; false when no call of that id waits (answered already, timed out, never made). */
    public boolean answer(ClientEvent.ToolResult answer) {
        Waiting call = waiting.remove(answer.callId());
        if (call == null) {
            return false;
        }
        rt.vertx.cancelTimer(call.timer());
        finish(call.turn(), call.actionId(), call.call(), call.entry(), call.startedAt(), answer.error() == null ? answer.value() : null,
                answer.error() == null ? null : ToolFailure.of(ErrorCode.TOOL_ERROR, answer.error()));
        return true;
    }

    /** The action ended: its calls still waiting are dropped (the kernel gave up on them when the cell ended). */
    public void actionEnded(String actionId) {
        waiting.values().removeIf(call -> {
            if (call.call().jobId().equals(actionId)) {
                rt.vertx.cancelTimer(call.timer());
                return true;
            }
            return false;
        });
    }

    private void finish(Integer turn, String actionId, Result.ToolCalled call, Toolbox.Entry entry, long startedAt, JsonNode value, ToolFailure failure) {
        String tool = call.call().tool();
        JsonNode sent = failure != null ? null : value == null ? NullNode.getInstance() : value;
        String json = sent == null ? null : json(sent);
        if (json != null && json.getBytes(StandardCharsets.UTF_8).length > rt.config.maxResultBytes()) {
            sent = null;
            failure = ToolFailure.of(ErrorCode.TOOL_TOO_LARGE, "the value of " + tool + " is over " + rt.config.maxResultBytes()
                    + " bytes (codeact.tools.max-result-bytes)");
        }
        JsonNode shown = sent == null || json.length() <= SHOWN_CHARS ? sent
                : TextNode.valueOf(json.substring(0, SHOWN_CHARS) + "… [" + json.length() + " characters in all]");
        long took = System.nanoTime() - startedAt;
        session.emit(new ServerEvent.ToolResult(turn, actionId, call.call().callId(), tool, shown, failure, took / 1_000_000));
        rt.recordCall(entry, failure, took);
        if (call.worker() == null) {
            LOG.warnf("session %s: the call of %s names no worker to answer", session.id(), tool);
            return;
        }
        rt.queue.answerTool(call.worker(), new ToolReply(QueueCodec.VERSION, call.session(), call.jobId(), call.call().callId(),
                        sent, failure))
                .subscribe().with(v -> { }, e -> LOG.warnf("session %s: the answer to %s did not reach worker %s: %s",
                        session.id(), tool, call.worker(), e.getMessage()));
    }

    private static String json(JsonNode value) {
        try {
            return WireJson.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
