package dev.codeact.worker;

import dev.codeact.config.WorkerConfig;

/**
 * How much work one worker takes: actions it runs at once, and actions that may wait for it
 * beyond those. Gateways add up {@link #total()} over the live workers to refuse new work up front
 * (see {@code dev.codeact.queue.WorkerLoad}).
 */
record WorkerCapacity(int running, int waiting) {

    static final int RUNNING_PER_CORE = 8;
    static final int WAITING_PER_RUNNING = 3;

    static WorkerCapacity of(WorkerConfig config, int cores) {
        int running = config.concurrency().orElse(RUNNING_PER_CORE * cores);
        return new WorkerCapacity(running, config.runQueue().orElse(WAITING_PER_RUNNING * running));
    }

    int total() {
        return running + waiting;
    }
}
