package dev.codeact.worker;

import dev.codeact.config.ToolsConfig;
import dev.codeact.config.WorkerConfig.SandboxMode;
import dev.codeact.config.WorkerConfig;

/**
 * What every job of a worker runs under, fixed when the worker starts.
 *
 * @param sandboxWarning operator-facing note carried by each result, e.g. that code ran unsandboxed; null when none
 * @param chunkIntervalNanos shortest time between two output chunks of one action (later text waits and is merged)
 * @param maxToolCalls      tool calls one action may make ({@code codeact.tools.max-calls-per-action})
 * @param maxToolArgumentBytes the largest kernel frame that carries a tool call's arguments
 */
record ExecutionLimits(String workerId, String sandboxMode, String sandboxWarning, long interruptGraceMs,
                       long maxActionTimeoutMs, int maxOutputChars, long maxDisplayBytes, long maxFileBytes, long chunkIntervalNanos,
                       int maxToolCalls, int maxToolArgumentBytes) {

    static ExecutionLimits of(String workerId, WorkerConfig config, ToolsConfig tools, SandboxMode mode) {
        return new ExecutionLimits(workerId, mode.label(),
                mode == SandboxMode.NONE ? "UNSANDBOXED: codeact.worker.sandbox=none, this code ran directly on the worker's host" : null,
                config.interruptGrace().toMillis(), config.maxActionTimeout().toMillis(), config.maxOutputChars(),
                config.maxDisplayBytes(), config.maxFileBytes(), config.chunkInterval().toNanos(),
                tools.maxCallsPerAction(), tools.maxArgumentBytes());
    }
}
