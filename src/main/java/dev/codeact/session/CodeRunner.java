package dev.codeact.session;

import dev.codeact.agent.ActionRun;
import dev.codeact.agent.ActionRuns;
import dev.codeact.config.AgentConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ExecutionOutput;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.Result;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.FileOp;
import dev.codeact.contract.Job;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.ServerEvent;
import dev.codeact.queue.ActionQueue;
import dev.codeact.queue.ResultReader;
import dev.codeact.queue.ResultSequence;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Runs code in a session's kernel without a model (the sessions API's execute, the code-interpreter
 * use), and file operations on its working directory: one job on the action queue, like a turn's
 * action, whose output and end the session routes here. It shares the kernel (and its variables) with the session's turns, and the worker runs a
 * session's jobs one at a time; it is not part of the event log nor of the model's history.
 */
@ApplicationScoped
public class CodeRunner {

    private static final Logger LOG = Logger.getLogger(CodeRunner.class);

    /**
     * What an execution reports: {@link ExecutionOutput} while it runs, {@link Restarted} when it
     * runs again from the start on another worker, then one {@link ExecutionResult}.
     */
    public sealed interface Progress permits Output, Restarted, Done {}

    public record Output(ExecutionOutput output) implements Progress {}

    /** The output so far was an earlier run's: the code runs again from the start (see {@code action_restarted}). */
    public record Restarted(ServerEvent.ActionRestarted restart) implements Progress {}

    public record Done(ExecutionResult result) implements Progress {}

    private final ActionQueue jobs;
    private final ActionRuns runs;
    private final String replyTo;
    private final AgentConfig config;

    public CodeRunner(ActionQueue jobs, ResultReader results, AgentConfig config, Vertx vertx, MeterRegistry meters) {
        this.jobs = jobs;
        this.runs = new ActionRuns(jobs, vertx, meters);
        this.replyTo = results.stream();
        this.config = config;
    }

    /**
     * The execution's progress; fails with {@link ProtocolException} ({@code overloaded},
     * {@code storage}, {@code execution_failed}). Cancelling the stream cancels the code.
     */
    public Multi<Progress> run(Session session, String code, long timeoutMs) {
        return submit(session, code, null, timeoutMs);
    }

    /**
     * One file operation on the session's working directory, in order with its actions. A put is
     * noted for the model's next message; the session's clients get the new file list.
     */
    public Uni<ExecutionResult> file(Session session, FileOp op) {
        return fileStream(session, op).filter(p -> p instanceof Done).map(p -> ((Done) p).result()).toUni()
                .invoke(result -> session.run(() -> {
                    if (op.last() && result.error() == null) {
                        long size = result.files() == null ? 0 : result.files().stream().filter(f -> f.name().equals(op.name()))
                                .mapToLong(FileInfo::size).findFirst().orElse(0);
                        session.conversation().uploaded(op.name(), size);
                    }
                }));
    }

    /** A file operation's progress: for a get, the file's pieces ({@code file} output, base64) as the kernel reads it. */
    public Multi<Progress> fileStream(Session session, FileOp op) {
        return submit(session, null, op, config.actionTimeout().toMillis());
    }

    private Multi<Progress> submit(Session session, String code, FileOp file, long timeoutMs) {
        Job job = ActionRun.job(session.host(), "x-" + UUID.randomUUID(), replyTo, code, file, timeoutMs, null);
        String jobId = job.jobId();
        // The wait for a result is the turn's, stretched by however much longer this code may run.
        long waitMs = Math.max(config.resultTimeout().toMillis(),
                timeoutMs + config.resultTimeout().toMillis() - config.actionTimeout().toMillis());
        return Multi.createFrom().<Progress>emitter(emitter -> session.run(() -> {
            if (session.goneWith() != null) {
                emitter.fail(new ProtocolException(session.goneWith(), "this session is no longer here (moved or deleted)"));
                return;
            }
            ActionRun run = runs.start(session.host(), null, job, waitMs, new ActionRun.Listener() {
                @Override
                public void restarted(int attempt) {
                    emitter.emit(new Restarted(new ServerEvent.ActionRestarted(null, jobId, attempt, ResultSequence.RESTART_REASON)));
                }

                @Override
                public void chunk(Result.Chunk chunk) {
                    emitter.emit(new Output(new ExecutionOutput(chunk.stream(), chunk.text())));
                }

                @Override
                public void observation(Result.Observation observation) {
                    ExecutionResult ran = observation.result();
                    session.conversation().filesSeen(ran.files(), ran.restarted());
                    emitter.emit(new Done(ran));
                    end(session, jobId, emitter, null);
                }

                @Override
                public void failed(ErrorCode code, String message, Throwable error) {
                    end(session, jobId, emitter, new ProtocolException(code, message));
                }
            });
            session.running().expect(jobId, run::onResult);
            emitter.onTermination(() -> session.run(() -> {
                run.stop();
                if (session.running().expects(jobId)) {
                    session.forget(jobId);
                    jobs.cancel(session.id(), jobId).subscribe().with(v -> { },
                            e -> LOG.debugf("cancel of %s not published: %s", jobId, e.getMessage()));
                }
            }));
        }));
    }

    private static void end(Session session, String jobId, MultiEmitter<? super Progress> emitter, ProtocolException failure) {
        if (!session.running().expects(jobId)) {
            return;
        }
        session.forget(jobId);
        if (failure != null) {
            emitter.fail(failure);
        } else {
            emitter.complete();
        }
    }
}
