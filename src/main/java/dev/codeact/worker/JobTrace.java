package dev.codeact.worker;

import dev.codeact.contract.Job;
import dev.codeact.queue.TraceParent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The worker's spans of one job, children of the gateway's action span (through the job's
 * traceparent): the job from pick-up to its stored observation, the run on the kernel (the code
 * handed to the sandbox until its done frame; the kernel's own timing of the cell is an
 * attribute, since nothing leaves the sandbox but its frames) and the observation's publishing.
 * No-ops while tracing is off. Called from several threads, one step after another.
 */
final class JobTrace {

    private final Tracer tracer;
    private final Span job;
    private volatile Span kernel;
    private volatile Span publish;

    JobTrace(Tracer tracer, Job job, String worker, int attempt, boolean rescued) {
        this.tracer = tracer;
        this.job = tracer.spanBuilder("codeact job").setParent(TraceParent.parent(job.traceparent()))
                .setSpanKind(SpanKind.CONSUMER).setAttribute("codeact.worker", worker).setAttribute("codeact.attempt", attempt)
                .setAttribute("codeact.rescued", rescued)
                .setAttribute("codeact.queued_ms", Math.max(0, System.currentTimeMillis() - job.createdAt())).startSpan();
    }

    /** The code is about to be handed to the kernel ({@code fresh}: a sandbox no earlier code of the session ran in). */
    void kernelStarted(boolean fresh) {
        kernel = tracer.spanBuilder("codeact kernel").setParent(Context.root().with(job))
                .setAttribute("codeact.kernel.fresh", fresh).startSpan();
    }

    /** The kernel answered (its own measure of the cell: {@code cellMs}), or was lost ({@code lost} says why). */
    void kernelDone(long cellMs, String lost) {
        Span span = kernel;
        if (span == null) {
            return;
        }
        if (lost != null) {
            span.setStatus(StatusCode.ERROR, lost);
        } else {
            span.setAttribute("codeact.cell.duration_ms", cellMs);
        }
        span.end();
        kernel = null;
    }

    /** The observation is queued for its stream. */
    void publishing() {
        kernelDone(-1, "ended without an answer from the kernel");
        publish = tracer.spanBuilder("codeact publish").setParent(Context.root().with(job)).startSpan();
    }

    /** The observation is stored: the job is done. */
    void stored() {
        if (publish != null) {
            publish.end();
        }
        job.end();
    }

    /** Given up without an observation (fenced, or shutting down): another run answers. */
    void abandoned() {
        kernelDone(-1, "abandoned");
        job.setStatus(StatusCode.ERROR, "abandoned: the job runs again elsewhere").end();
    }
}
