package dev.codeact.worker;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ToolFailure;

/**
 * Which tool calls of one action may leave the worker: at most {@code maxCalls}, each with
 * arguments of at most {@code maxArgumentBytes}. A refused call gets its ToolError in the code at
 * once. Not thread-safe: the kernel's reader thread asks.
 */
final class ToolCallGate {

    private final int maxCalls;
    private final int maxArgumentBytes;
    private int calls;

    ToolCallGate(int maxCalls, int maxArgumentBytes) {
        this.maxCalls = maxCalls;
        this.maxArgumentBytes = maxArgumentBytes;
    }

    /** Null when the call may go; else why not (a refused call still counts: the code made it). */
    ToolFailure admit(String tool, int frameBytes) {
        if (++calls > maxCalls) {
            return ToolFailure.of(ErrorCode.TOOL_LIMIT, "this action made more than " + maxCalls
                    + " tool calls (codeact.tools.max-calls-per-action)");
        }
        if (frameBytes > maxArgumentBytes) {
            return ToolFailure.of(ErrorCode.TOOL_TOO_LARGE, "the arguments of " + tool + " are over "
                    + maxArgumentBytes + " bytes (codeact.tools.max-argument-bytes)");
        }
        return null;
    }
}
