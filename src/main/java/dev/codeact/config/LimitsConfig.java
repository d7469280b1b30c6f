package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Positive;

/** Per-principal and per-instance limits; each is answered with its own error code, never a dropped connection. */
@ConfigMapping(prefix = "codeact.limits")
public interface LimitsConfig {

    /**
     * Sessions with a connection one principal may hold on one gateway at a time
     * ({@code too_many_sessions}); a session whose last connection closed no longer counts.
     */
    @WithDefault("100")
    @Positive
    int sessionsPerPrincipal();

    /**
     * Sessions one principal may have stored, however they were made (a WebSocket or the sessions
     * API), across gateways; one more is refused with {@code too_many_sessions} until one is
     * deleted or expires. With {@code codeact.session.max-log-bytes} it bounds what one principal
     * stores in Redis.
     */
    @WithDefault("1000")
    @Positive
    int storedSessionsPerPrincipal();

    /**
     * Turns and executions one principal may start per minute on one gateway, with bursts of as
     * many ({@code rate_limited}, with Retry-After).
     */
    @WithDefault("300")
    @Positive
    int runsPerMinute();

    /**
     * Session kernels (Python interpreters, each a sandbox) one principal may hold across all
     * workers. A new one past it stops the principal's least recently used one, wherever it runs
     * (once its action ends if one runs); that session's next observation says its state was lost,
     * and why. Enforced by the workers.
     */
    @WithDefault("32")
    @Positive
    int kernelsPerPrincipal();

    /** Turns one principal may have running at once ({@code too_many_turns}). */
    @WithDefault("10")
    @Positive
    int turnsPerPrincipal();

    /** Frames a connection may send per second, with bursts of twice that ({@code rate_limited}). */
    @WithDefault("20")
    @Positive
    int framesPerSecond();

    /** Connections attached to one session at a time ({@code too_many_connections}). */
    @WithDefault("8")
    @Positive
    int connectionsPerSession();

    /** Sessions one gateway holds in memory ({@code overloaded} for new ones). */
    @WithDefault("20000")
    @Positive
    int maxSessions();

    /**
     * Bytes of events one WebSocket connection may have queued, sent but not yet taken by the
     * client (a client that stops reading). Past it the connection is closed with status 1008 and
     * reason {@code slow_consumer}; the client reconnects and resumes from its last seq. Above the
     * largest single event (an observation with 4 MiB of figures, base64, and a million characters
     * of output is about 8 MB), so a client that reads is never cut for one event's size.
     */
    @WithDefault("16777216")
    @Positive
    long clientBufferBytes();
}
