package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import java.time.Duration;

@ConfigMapping(prefix = "codeact.session")
public interface SessionConfig {

    /** How long history and the event log stay in Redis after the last write. */
    @WithDefault("24h")
    Duration ttl();

    /** Largest client frame the gateway reads; bigger frames get error {@code frame_too_large}. */
    @WithDefault("65536")
    @Min(1024) @Max(1048576)
    int maxFrameBytes();

    /**
     * Events one session may log; past it the running turn is cancelled with {@code session_full}
     * and new turns are refused (start a new session).
     */
    @WithDefault("200000")
    @Min(100)
    long maxLogEvents();

    /**
     * Bytes of events one session may log (counted from when this gateway took the session);
     * past it, as for {@code max-log-events}.
     */
    @WithDefault("67108864")
    @Min(65536)
    long maxLogBytes();

    /** Recent events kept in memory per live session, so most resumes need no Redis read. */
    @WithDefault("512")
    @Positive
    int replayBuffer();

    /** Bytes of recent events kept in memory per session, at most (events not yet stored in Redis stay regardless). */
    @WithDefault("4194304")
    @Min(65536)
    long replayBufferBytes();

    /** A session with no connection and no running turn is dropped from memory after this. */
    @WithDefault("10m")
    Duration idleEvict();

    /**
     * Events go to the Redis event log one ZADD per session, the sessions of one event loop in one
     * pipelined batch, and batches of a loop start at least this far apart: an event on a loop that
     * sent nothing for as long leaves at once. An event reaches clients once stored, so on a quiet
     * loop it waits for one Redis round trip, on a busy one for this interval at most besides.
     */
    @WithDefault("2ms")
    Duration logFlushInterval();

    /** Lease a gateway holds on a session while it runs a turn (renewed at a third of it). */
    @WithDefault("30s")
    Duration turnLease();

    /**
     * A connection to an existing session without {@code ?last_seq} gets no event until its first
     * frame (a {@code resume} says from where) or until this much time has passed, then events from
     * its attach on: a resume never races events already on their way.
     */
    @WithDefault("2s")
    Duration resumeWait();
}
