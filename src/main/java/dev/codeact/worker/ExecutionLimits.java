package dev.codeact.worker;

import dev.codeact.config.WorkerConfig.SandboxMode;
import dev.codeact.config.WorkerConfig;

/**
 * What every job of a worker runs under, fixed when the worker starts.
 *
 * @param sandboxWarning operator-facing note carried by each result, e.g. that code ran unsandboxed; null when none
 * @param chunkIntervalNanos shortest time between two output chunks of one action (later text waits and is merged)
 */
record ExecutionLimits(String workerId, String sandboxMode, String sandboxWarning, long interruptGraceMs,
                       long maxActionTimeoutMs, int maxOutputChars, long maxDisplayBytes, long maxFileBytes, long chunkIntervalNanos) {

    static ExecutionLimits of(String workerId, WorkerConfig config, SandboxMode mode) {
        return new ExecutionLimits(workerId, mode.label(),
                mode == SandboxMode.NONE ? "UNSANDBOXED: codeact.worker.sandbox=none, this code ran directly on the worker's host" : null,
                config.interruptGrace().toMillis(), config.maxActionTimeout().toMillis(), config.maxOutputChars(),
                config.maxDisplayBytes(), config.maxFileBytes(), config.chunkInterval().toNanos());
    }
}
