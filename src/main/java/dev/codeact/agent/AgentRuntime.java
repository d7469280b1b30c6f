package dev.codeact.agent;

import dev.codeact.config.AgentConfig;
import dev.codeact.contract.Sampling;
import dev.codeact.llm.ModelClient;
import dev.codeact.queue.ActionQueue;
import dev.codeact.queue.ResultReader;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;

/** What every turn needs, gathered once; {@link #newTurn} is the only way turns are made. */
@ApplicationScoped
public class AgentRuntime {

    /** The turn's timer. */
    public static final String TURN_DURATION = "codeact.turn.duration";

    final AgentConfig config;
    final ModelClient llm;
    final ActionQueue jobs;
    final ActionRuns runs;
    final Prompt prompt;
    /** This gateway's result stream: every job's reply address. */
    final String replyTo;
    final Vertx vertx;
    final ObservationFormatter formatter;
    final Tracer tracer;

    private final MeterRegistry meters;
    private final DistributionSummary actionsPerTurn;

    @Inject
    public AgentRuntime(AgentConfig config, ModelClient llm, ActionQueue jobs, Prompt prompt, ResultReader results, Vertx vertx,
                        MeterRegistry meters, Tracer tracer) {
        this(config, llm, jobs, prompt, results.stream(), vertx, meters, tracer);
    }

    AgentRuntime(AgentConfig config, ModelClient llm, ActionQueue jobs, Prompt prompt, String replyTo, Vertx vertx,
                 MeterRegistry meters, Tracer tracer) {
        this.tracer = tracer;
        this.meters = meters;
        this.actionsPerTurn = DistributionSummary.builder("codeact.turn.actions").description("Code actions per turn")
                .register(meters);
        this.config = config;
        this.llm = llm;
        this.jobs = jobs;
        this.runs = new ActionRuns(jobs, vertx, meters);
        this.prompt = prompt;
        this.replyTo = replyTo;
        this.vertx = vertx;
        this.formatter = new ObservationFormatter(config.maxObservationChars());
    }

    public Turn newTurn(TurnHost session, int number) {
        return new Turn(this, session, number);
    }

    public boolean modelConfigured() {
        return llm.configured();
    }

    public String model() {
        return llm.model();
    }

    public int maxActions() {
        return config.maxActions();
    }

    /** Why these model choices are refused, or null. */
    public String refusal(Sampling sampling) {
        return llm.refusal(sampling);
    }

    void recordTurn(String reason, int actions, long durationMs) {
        Timer.builder(TURN_DURATION).tag("reason", reason).description("Turns, first event to turn_end")
                .register(meters).record(durationMs, TimeUnit.MILLISECONDS);
        actionsPerTurn.record(actions);
    }
}
