package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import java.time.Duration;

@ConfigMapping(prefix = "codeact.queue")
public interface QueueConfig {

    /** Approximate cap of the result streams (XADD MAXLEN ~). */
    @WithDefault("10000")
    @Min(100)
    long resultsMaxLen();

    /** How long one blocking XREAD/XREADGROUP waits before it is issued again. */
    @WithDefault("2s")
    Duration blockTimeout();

    /**
     * How long a worker retries writing a result while Redis is away (then it gives the entry up),
     * and how long a gateway waits for results while it cannot read them (then turns waiting for
     * an observation end with {@code storage}).
     */
    @WithDefault("30s")
    Duration retryWindow();

    /** Entries read per XREAD/XREADGROUP call. */
    @WithDefault("64")
    @Positive
    int batch();

    /** Jobs waiting or running on one shared job stream; beyond it new actions get error {@code overloaded}. */
    @WithDefault("10000")
    @Positive
    long maxJobs();

    /**
     * Shared job streams. 1: {@code codeact:jobs}; more: {@code codeact:jobs:0} … spread over Redis
     * Cluster slots, a session always on the same one. Every worker reads them all.
     */
    @WithDefault("1")
    @Min(1) @Max(1024)
    int shards();
}
