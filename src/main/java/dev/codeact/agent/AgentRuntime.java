package dev.codeact.agent;

import dev.codeact.config.AgentConfig;
import dev.codeact.contract.Sampling;
import dev.codeact.llm.LlmClient;
import dev.codeact.queue.JobQueue;
import dev.codeact.queue.ResultReader;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;

/** What every turn needs, gathered once; {@link #newTurn} is the only way turns are made. */
@ApplicationScoped
public class AgentRuntime {

    final AgentConfig config;
    final LlmClient llm;
    final JobQueue jobs;
    final Prompt prompt;
    final ResultReader results;
    final Vertx vertx;
    final ObservationFormatter formatter;
    final Tracer tracer;

    private final MeterRegistry meters;
    private final DistributionSummary actionsPerTurn;

    public AgentRuntime(AgentConfig config, LlmClient llm, JobQueue jobs, Prompt prompt, ResultReader results, Vertx vertx,
                        MeterRegistry meters, Tracer tracer) {
        this.tracer = tracer;
        this.meters = meters;
        this.actionsPerTurn = DistributionSummary.builder("codeact.turn.actions").description("Code actions per turn")
                .register(meters);
        this.config = config;
        this.llm = llm;
        this.jobs = jobs;
        this.prompt = prompt;
        this.results = results;
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
        Timer.builder("codeact.turn.duration").tag("reason", reason).description("Turns, first event to turn_end")
                .register(meters).record(durationMs, TimeUnit.MILLISECONDS);
        actionsPerTurn.record(actions);
    }
}
