package dev.codeact.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Events the gateway sends. The envelope ({@code type}, {@code session}, {@code seq}) is added by
 * {@link WireCodec#encodeServer}; these records hold only what differs per type.
 */
public sealed interface ServerEvent permits ServerEvent.SessionInfo, ServerEvent.TurnStart, ServerEvent.Token,
        ServerEvent.Action, ServerEvent.ObservationChunk, ServerEvent.ActionRestarted, ServerEvent.Observation,
        ServerEvent.TurnEnd, ServerEvent.Error, ServerEvent.EventsLost, ServerEvent.Files, ServerEvent.ToolCall,
        ServerEvent.ToolResult, ServerEvent.Pong {
    // The permits clause is the schema's order (spec/): an inferred one is in whatever order javac
    // lists them, which changed between javac 17 and 25.

    /** The protocol's version, in the {@code session} event and {@code GET /v1/info}. */
    int PROTOCOL_VERSION = 1;

    @JsonIgnore
    String type();

    /** {@code principal}: who owns the session; only they may attach to it. */
    record SessionInfo(int protocol, @Required String principal, String model, boolean modelConfigured, int maxActions)
            implements ServerEvent {
        public String type() { return "session"; }
    }

    /**
     * {@code text} is the user's message that started the turn, so a replay can redraw it;
     * {@code uploads} the files the user uploaded since the previous message (absent if none),
     * which the model was told of with this one; {@code replaces} the turn this one replaces
     * (a message edited and resent, or an answer regenerated; absent otherwise).
     */
    record TurnStart(int turn, @Required String text, List<String> uploads, Integer replaces) implements ServerEvent {
        public TurnStart(int turn, String text, List<String> uploads) {
            this(turn, text, uploads, null);
        }

        public String type() { return "turn_start"; }
    }

    record Token(int turn, @Required String text) implements ServerEvent {
        public String type() { return "token"; }
    }

    record Action(int turn, @Required String actionId, int index, @Required String code) implements ServerEvent {
        public String type() { return "action"; }
    }

    record ObservationChunk(int turn, @Required String actionId, @Required String stream, @Required String text) implements ServerEvent {
        public String type() { return "observation_chunk"; }
    }

    /**
     * The action's code runs again from the start, as its {@code attempt}-th run: the worker running
     * it stopped answering and another took it over, on a fresh interpreter. Output of the earlier
     * run came before this event; what follows is the new run's, so a client clears the action's
     * output here. {@code turn} is absent for code run through the sessions API.
     */
    record ActionRestarted(Integer turn, @Required String actionId, int attempt, @Required String reason) implements ServerEvent {
        public String type() { return "action_restarted"; }
    }

    /** {@code result} is what the worker reported; {@code text} is exactly what the model is shown. */
    record Observation(int turn, @Required String actionId, @Required ExecutionResult result, @Required String text) implements ServerEvent {
        public String type() { return "observation"; }
    }

    /** {@code usage}: tokens the model server reported for the turn's calls (absent if it reported none). */
    record TurnEnd(int turn, @Required String reason, int actions, long durationMs, Usage usage) implements ServerEvent {
        public String type() { return "turn_end"; }
    }

    /**
     * {@code retry_after}: seconds after which the same request may succeed (the workers were full,
     * Redis refused writes, a limit's window), as HTTP's Retry-After; absent when retrying the same
     * request cannot help.
     */
    record Error(@Required String code, @Required String message, Integer turn, Integer retryAfter) implements ServerEvent {
        /** A failure without a message (an exception's null) still says what happened: its code. */
        public Error {
            message = message == null ? code : message;
        }

        public static Error of(ErrorCode code, String message) {
            return of(code, message, null);
        }

        public static Error of(ErrorCode code, String message, Integer turn) {
            int retryAfter = code.retryAfterSeconds();
            return new Error(code.code(), message, turn, retryAfter > 0 ? retryAfter : null);
        }

        public String type() { return "error"; }
    }

    /**
     * Seqs {@code from..to} hold no events: the gateway that ran the session stopped, and events
     * it had sent live from {@code from} on were never stored. A client that saw any of them knows
     * they are missing from the stored transcript; no other event will ever use those seqs.
     */
    record EventsLost(long from, long to) implements ServerEvent {
        public String type() { return "events_lost"; }
    }

    /**
     * The session's working directory changed: a file was uploaded or deleted through the sessions
     * API, or an action left different files. {@code files} is the whole list, as the kernel saw it.
     */
    record Files(@Required List<FileInfo> files) implements ServerEvent {
        public String type() { return "files"; }
    }

    /**
     * The running code called a tool. {@code source}: {@code client} (a client of the session must
     * answer it with a {@code tool_result} frame) or {@code mcp:<server>} (the gateway calls it).
     * {@code turn} is absent for code run through the sessions API.
     */
    record ToolCall(Integer turn, @Required String actionId, @Required String callId, @Required String tool, JsonNode arguments,
                    @Required String source)
            implements ServerEvent {
        public String type() { return "tool_call"; }
    }

    /** How the call {@code callId} ended: its {@code value} went back to the code, or its {@code error} was raised there. */
    record ToolResult(Integer turn, @Required String actionId, @Required String callId, @Required String tool, JsonNode value, ToolFailure error,
                      long durationMs) implements ServerEvent {
        public String type() { return "tool_result"; }
    }

    record Pong(String id) implements ServerEvent {
        public String type() { return "pong"; }
    }
}
