package dev.codeact.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.contract.Display;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ExecutionResult.ErrorInfo;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.FileOp;
import dev.codeact.contract.Job;
import dev.codeact.contract.KernelCommand;
import dev.codeact.contract.KernelFrame;
import dev.codeact.contract.Result;
import dev.codeact.contract.ToolCall;
import dev.codeact.contract.ToolFailure;
import dev.codeact.contract.ToolReply;
import dev.codeact.sandbox.Kernel;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One job on one kernel, from start to its single observation: streams output as it comes,
 * interrupts at the wall-time limit (state survives) and kills the sandbox if the interrupt is
 * not obeyed within the grace period (state is gone, and the observation says so).
 */
final class JobExecution implements Kernel.Listener {

    static final String STATE_GONE = "variables, imports and functions defined by earlier code are gone";

    /** Where a job's results go; {@code onStored} runs once the observation is stored. */
    interface Sinks {
        ResultSink sinkFor(Job job, int attempt, Runnable onStored);
    }

    /**
     * What a job needs from the worker running it.
     *
     * @param finished called once the job's observation is stored (it can be acknowledged)
     */
    record Context(KernelPool pool, ScheduledExecutorService timers, ExecutionLimits limits, Tracer tracer,
                   SessionAffinity affinity, KernelShares shares, Sinks sinks, Consumer<JobExecution> finished) {}

    /** Where the job came from, to acknowledge it there; {@code attempt}: which run of the job this is. */
    record Entry(String stream, String id, boolean rescued, int attempt) {}

    private final Job job;
    private final Entry entry;
    private final Context env;
    private final ResultSink sink;
    private final OutputGuard guard;
    private final JobTrace trace;
    /** Text let through by the guard goes out as chunks at most once per chunk interval. */
    private final ChunkThrottle chunks;
    private final ToolCallGate toolGate;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final long startedAt = System.nanoTime();
    private volatile boolean started;
    private volatile boolean stored;
    private volatile Kernel kernel;
    private volatile String notice;
    private volatile boolean restarted;
    private volatile boolean timedOut;
    private volatile boolean cancelled;
    private ScheduledFuture<?> timeoutTimer;
    private final InterruptThenKill stopping;
    /** Bytes of a get's file seen so far (on the kernel's reader thread). */
    private long fileBytes;

    JobExecution(Job job, Entry entry, Context env) {
        this.job = job;
        this.entry = entry;
        this.env = env;
        // Room above the limit for the marker and tail a well-behaved kernel adds itself.
        this.guard = new OutputGuard(env.limits().maxOutputChars() + 10_000, env.limits().maxDisplayBytes());
        this.stopping = new InterruptThenKill(env.timers(), env.limits().interruptGraceMs(), () -> kernel.interrupt(),
                () -> env.pool().drop(job.session(), kernel), finished::get);
        this.trace = new JobTrace(env.tracer(), job, env.limits().workerId(), entry.attempt(), entry.rescued());
        this.sink = env.sinks().sinkFor(job, entry.attempt(), () -> {
            stored = true;
            trace.stored();
            env.finished().accept(this);
        });
        this.chunks = new ChunkThrottle(env.timers(), env.limits().chunkIntervalNanos(), this::push, sink::flush);
        this.toolGate = new ToolCallGate(env.limits().maxToolCalls(), env.limits().maxToolArgumentBytes());
    }

    Job job() {
        return job;
    }

    Entry entry() {
        return entry;
    }

    /** Started, and its observation not yet stored. */
    boolean running() {
        return started && !stored;
    }

    /** Blocking (may start a sandbox, talks to Redis): runs on a worker thread. */
    void start() {
        started = true;
        if (cancelled) {
            finish(result(null, null, List.of(), 0, false, null));
            return;
        }
        boolean fresh;
        try {
            KernelPool.Lease lease = env.pool().forSession(job.session(), job.principal());
            kernel = lease.kernel();
            fresh = lease.fresh();
            if (fresh) {
                SessionAffinity.Claim claim = env.affinity().claim(job.session());
                env.shares().admit(job.principal(), job.session());
                if (entry.rescued()) {
                    restarted = true;
                    notice = "The worker that held this session's Python interpreter stopped answering and another took "
                            + "over: this code ran again from the start, on a fresh interpreter (output of an earlier run "
                            + "may have been shown to the user): " + STATE_GONE;
                } else if (claim.lostBecause() != null) {
                    restarted = true;
                    notice = "The Python interpreter of this session was restarted: " + claim.lostBecause() + ", so "
                            + STATE_GONE;
                } else if (claim.hadState()) {
                    restarted = true;
                    notice = "The Python interpreter of this session was restarted (it was idle too long, or its "
                            + "worker stopped): " + STATE_GONE;
                }
            } else {
                env.shares().touch(job.principal(), job.session());
            }
        } catch (KernelPool.FullException e) {
            finish(result(null, new ErrorInfo("Overloaded", e.getMessage(), "Overloaded: " + e.getMessage()), List.of(), 0,
                    false, null));
            return;
        } catch (IOException e) {
            finish(result(null, new ErrorInfo("SandboxError", "could not start the sandbox: " + e.getMessage(),
                    "SandboxError: could not start the sandbox: " + e.getMessage()), List.of(), 0, false, null));
            return;
        }
        synchronized (this) {
            timeoutTimer = env.timers().schedule(this::onTimeout, Math.min(job.timeoutMs(), env.limits().maxActionTimeoutMs()),
                    TimeUnit.MILLISECONDS);
        }
        trace.kernelStarted(fresh);
        try {
            // The run's id names the attempt: the kernel numbers tool calls under it, so a call of a
            // run that was taken over never shares its id with a call of the run that replaced it.
            String run = job.jobId() + "@" + entry.attempt();
            kernel.run(job.file() == null
                    ? KernelCommand.exec(run, job.code(), job.tools() == null ? List.of() : job.tools())
                    : KernelCommand.file(run, job.file()), this);
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

    /** Shutdown or fencing: stop without an observation (nor any further output), so the job runs again elsewhere. */
    void abandon() {
        sink.close();
        trace.abandoned();
        if (finished.compareAndSet(false, true) && kernel != null) {
            env.pool().drop(job.session(), kernel);
        }
    }

    private void onTimeout() {
        timedOut = true;
        interruptThenKill();
    }

    private void interruptThenKill() {
        stopping.start();
    }

    /** Output goes through the guard (size), then the throttle (count); a chunk sent now leaves with this read's frames (onFramesRead). */
    @Override
    public void onStream(String name, String text) {
        synchronized (guard) {
            if (finished.get()) {
                return; // nothing may follow the observation
            }
            String now = guard.accept(name, text);
            if (!now.isEmpty()) {
                chunks.offer(name, now);
            }
        }
    }

    /**
     * A piece of a get's file goes out as it comes, up to {@code max-file-bytes}; past it nothing more
     * is sent and the result says so. Pieces for anything but a get (a kernel that lies) are dropped.
     */
    @Override
    public void onFileData(String base64) {
        if (job.file() == null || !FileOp.GET.equals(job.file().op()) || finished.get()) {
            return;
        }
        fileBytes += base64.length() * 3L / 4;
        if (fileBytes <= env.limits().maxFileBytes()) {
            sink.push(Result.chunk(job.session(), job.jobId(), env.limits().workerId(), Result.FILE, base64));
        }
    }

    /**
     * A call leaves for the gateway after the output printed before it, unless it is one too many
     * or too large: then the code gets its ToolError at once, and nothing leaves the worker.
     */
    @Override
    public void onToolCall(String callId, String tool, JsonNode args, int frameBytes) {
        if (finished.get()) {
            return;
        }
        ToolFailure refused = toolGate.admit(tool, frameBytes);
        if (refused != null) {
            kernel.answerTool(callId, null, refused);
            return;
        }
        ToolCall call;
        try {
            call = new ToolCall(callId, tool, args);
        } catch (IllegalArgumentException e) {
            kernel.answerTool(callId, null, ToolFailure.of(ErrorCode.UNKNOWN_TOOL, e.getMessage()));
            return;
        }
        chunks.flush();
        sink.push(Result.toolCall(job.session(), job.jobId(), env.limits().workerId(), call));
    }

    /** A gateway's answer to one of this job's tool calls; ignored once the job has ended. */
    void answerTool(ToolReply reply) {
        Kernel running = kernel;
        if (running != null && !finished.get()) {
            running.answerTool(reply.callId(), reply.value(), reply.error());
        }
    }

    @Override
    public void onFramesRead() {
        sink.flush();
    }

    private void push(OutputGuard.Part part) {
        sink.push(Result.chunk(job.session(), job.jobId(), env.limits().workerId(), part.stream(), part.text()));
    }

    @Override
    public void onDone(KernelFrame done) {
        trace.kernelDone(done.durationMs(), null);
        ErrorInfo error = done.error() == null ? null : new ErrorInfo(guard.clip(done.error().name()),
                guard.clip(done.error().value()), guard.clip(done.error().traceback()));
        if (fileBytes > env.limits().maxFileBytes()) {
            error = new ErrorInfo("FileTooLarge", "over codeact.worker.max-file-bytes (" + env.limits().maxFileBytes() + ")",
                    "FileTooLarge: the file is over codeact.worker.max-file-bytes");
        }
        finish(result(guard.clip(done.value()), error, done.displays(), done.durationMs(), done.truncated(),
                guard.files(done.files())));
    }

    @Override
    public void onLost(String reason) {
        trace.kernelDone(-1, reason);
        if (kernel != null) {
            env.pool().drop(job.session(), kernel);
        }
        String why = stopping.killed()
                ? "The code did not stop within " + env.limits().interruptGraceMs() + " ms of the interrupt, so its sandbox was killed"
                : "The sandbox stopped while the code ran (" + reason + ")";
        if (job.file() == null) {
            env.affinity().forget(job.session()); // this observation tells the model; the next need not
        } else {
            // A file operation's result goes to the sessions API, not to the model: the next action says it.
            env.affinity().lost(job.session(), "it was lost during a file operation (" + why + ")");
        }
        restarted = true;
        notice = why + "; the next code runs on a fresh Python interpreter: " + STATE_GONE;
        finish(result(null, new ErrorInfo("KernelRestarted", why, "KernelRestarted: " + why), List.of(),
                (System.nanoTime() - startedAt) / 1_000_000, false, List.of()));
    }

    private ExecutionResult result(String value, ErrorInfo error, List<Display> displays, long durationMs,
                                   boolean truncated, List<FileInfo> files) {
        String out;
        List<Display> kept;
        boolean cut;
        synchronized (guard) {
            out = guard.output();
            kept = guard.displays(displays);
            cut = guard.cut();
        }
        int sent = displays == null ? 0 : (int) displays.stream().filter(d -> d != null).count();
        if (kept.size() < sent) {
            out += "\n[" + (sent - kept.size()) + " display(s) not shown: over " + env.limits().maxDisplayBytes()
                    + " bytes of rich output for one action]\n";
        }
        return new ExecutionResult(out, value, error, kept, durationMs, truncated || cut, timedOut, restarted, cancelled,
                env.limits().sandboxMode(), notice, env.limits().sandboxWarning(), files);
    }

    private void finish(ExecutionResult result) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            if (timeoutTimer != null) {
                timeoutTimer.cancel(false);
            }
            stopping.disarm();
        }
        chunks.flush();
        synchronized (guard) {
            guard.ending().forEach(this::push);
        }
        trace.publishing();
        sink.push(Result.observation(job.session(), job.jobId(), env.limits().workerId(), result));
        sink.flush();
    }
}
