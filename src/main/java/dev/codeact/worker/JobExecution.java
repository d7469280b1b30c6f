package dev.codeact.worker;

import dev.codeact.queue.ExecutionResult;
import dev.codeact.queue.Job;
import dev.codeact.queue.Result;
import dev.codeact.sandbox.Kernel;
import dev.codeact.sandbox.KernelFrame;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One job on one kernel, from start to its single observation: streams output as it comes,
 * interrupts at the wall-time limit (state survives) and kills the sandbox if the interrupt is
 * not obeyed within the grace period (state is gone, and the observation says so).
 */
final class JobExecution implements Kernel.Listener {

    /** What an execution needs from its worker. */
    record Env(KernelPool pool, ScheduledExecutorService timers, String workerId, String sandboxMode,
               long interruptGraceMs, int maxOutputChars) {}

    private final Job job;
    private final Env env;
    private final ResultSink sink;
    private final StringBuilder output = new StringBuilder();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final long startedAt = System.nanoTime();
    private volatile Kernel kernel;
    private volatile boolean timedOut;
    private volatile boolean cancelled;
    private volatile boolean killed;
    private ScheduledFuture<?> timeoutTimer;
    private ScheduledFuture<?> killTimer;

    JobExecution(Job job, Env env, ResultSink sink) {
        this.job = job;
        this.env = env;
        this.sink = sink;
    }

    Job job() {
        return job;
    }

    /** Blocking (may start a sandbox): runs on a worker thread. */
    void start() {
        if (cancelled) {
            finish(new ExecutionResult("", null, null, List.of(), 0, false, false, false, true, env.sandboxMode()));
            return;
        }
        try {
            kernel = env.pool().forSession(job.session());
        } catch (IOException e) {
            finish(ExecutionResult.failure("SandboxError", "could not start the sandbox: " + e.getMessage(), false,
                    env.sandboxMode()));
            return;
        }
        synchronized (this) {
            timeoutTimer = env.timers().schedule(this::onTimeout, job.timeoutMs(), TimeUnit.MILLISECONDS);
        }
        try {
            kernel.execute(job.jobId(), job.code(), this);
        } catch (IOException | IllegalStateException e) {
            onLost("could not hand the code to the kernel: " + e.getMessage());
        }
        if (cancelled) {
            interruptThenKill();
        }
    }

    void cancel() {
        cancelled = true;
        if (kernel != null) {
            interruptThenKill();
        }
    }

    private void onTimeout() {
        timedOut = true;
        interruptThenKill();
    }

    private synchronized void interruptThenKill() {
        if (finished.get() || killTimer != null) {
            return;
        }
        kernel.interrupt();
        killTimer = env.timers().schedule(() -> {
            if (!finished.get()) {
                killed = true;
                env.pool().drop(job.session(), kernel);
            }
        }, env.interruptGraceMs(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onStream(String name, String text) {
        synchronized (output) {
            if (output.length() < 2L * env.maxOutputChars()) {
                output.append(text);
            }
        }
        sink.push(Result.chunk(job.session(), job.jobId(), env.workerId(), name, text));
    }

    @Override
    public void onDone(KernelFrame done) {
        finish(new ExecutionResult(output(), done.value(), done.error(), List.of(), done.durationMs(), done.truncated(),
                timedOut, false, cancelled, env.sandboxMode()));
    }

    @Override
    public void onLost(String reason) {
        if (kernel != null) {
            env.pool().drop(job.session(), kernel);
        }
        String why = killed
                ? "the code did not stop within " + env.interruptGraceMs() + " ms of the interrupt, so its sandbox was killed"
                : reason;
        ExecutionResult.ErrorInfo error = new ExecutionResult.ErrorInfo("KernelRestarted", why, "KernelRestarted: " + why);
        finish(new ExecutionResult(output(), null, error, List.of(), (System.nanoTime() - startedAt) / 1_000_000, false,
                timedOut, true, cancelled, env.sandboxMode()));
    }

    private String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    private void finish(ExecutionResult result) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            if (timeoutTimer != null) {
                timeoutTimer.cancel(false);
            }
            if (killTimer != null) {
                killTimer.cancel(false);
            }
        }
        sink.push(Result.observation(job.session(), job.jobId(), env.workerId(), result));
    }
}
