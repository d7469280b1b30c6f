package dev.codeact.app;

import dev.codeact.agent.ActionRuns;
import dev.codeact.agent.AgentRuntime;
import dev.codeact.llm.LlmClient;
import dev.codeact.tools.ToolRuntime;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * The latency timers as Prometheus histograms ({@code _bucket} series), so percentiles can be
 * computed over many instances ({@code histogram_quantile} of summed buckets) — a quantile each
 * instance computed alone cannot be combined. Fixed buckets per timer, spanning what it measures,
 * keep the series few.
 */
public class LatencyHistograms {

    /** Seconds: each timer's bucket bounds. */
    static final Map<String, double[]> BUCKETS = Map.of(
            LlmClient.FIRST_TOKEN, new double[] {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
            ActionRuns.DURATION, new double[] {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
            ToolRuntime.CALL_DURATION, new double[] {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
            AgentRuntime.TURN_DURATION, new double[] {0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600});

    @Produces
    @Singleton
    MeterFilter latencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                double[] bounds = BUCKETS.get(id.getName());
                if (bounds == null) {
                    return config;
                }
                return DistributionStatisticConfig.builder()
                        .serviceLevelObjectives(Arrays.stream(bounds).map(s -> Duration.ofMillis(Math.round(s * 1000)).toNanos()).toArray())
                        .build().merge(config);
            }
        };
    }
}
